# Generated from templates/report/detail.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/detail.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_detail_row = resolve('detail_row')
    l_0_proof_node = l_0_threat_detail = missing
    try:
        t_1 = environment.filters['format']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'format' found.")
    try:
        t_2 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_3 = environment.tests['defined']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No test named 'defined' found.")
    try:
        t_4 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    included_template = environment.get_template('report/proof.html.j2', 'report/detail.html.j2')._get_default_module(context)
    l_0_proof_node = getattr(included_template, 'proof_node', missing)
    if l_0_proof_node is missing:
        l_0_proof_node = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'report/detail.html.j2') does not export the requested name 'proof_node'", name='proof_node')
    context.vars['proof_node'] = l_0_proof_node
    context.exported_vars.discard('proof_node')
    def macro(l_1_row):
        t_5 = []
        l_1_t = l_1_s = missing
        if l_1_row is missing:
            l_1_row = undefined("parameter 'row' was not provided", name='row')
        pass
        l_1_t = environment.getattr(l_1_row, 't')
        l_1_s = environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'severity')
        t_5.extend((
            '          <p class="message">',
            escape(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'message')),
            '</p>\n',
        ))
        if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'suppression'):
            pass
            t_5.extend((
                '          <p class="accepted-note">Accepted in the model (<code>',
                escape(context.call(environment.getattr(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'suppression'), 'span'), 'short'))),
                '</code>): ',
                escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'suppression'), 'reason')),
                '</p>\n',
            ))
        t_5.extend((
            '          <p class="targets">Target',
            escape(('s' if (t_2(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'targets')) > 1) else cond_expr_undefined("the inline if-expression on line 11 in 'report/detail.html.j2' evaluated to false and no else section was defined."))),
            ':\n',
        ))
        l_2_loop = missing
        for l_2_tid, l_2_loop in LoopContext(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'targets'), undefined):
            _loop_vars = {}
            pass
            t_5.extend((
                '            <button type="button" class="locate" data-target="',
                escape(l_2_tid),
                '" data-view="',
                escape(environment.getattr(l_1_row, 'view')),
                '">',
                escape(environment.getitem(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'target_names'), environment.getattr(l_2_loop, 'index0'))),
                '</button>\n',
            ))
        l_2_loop = l_2_tid = missing
        t_5.extend((
            '            at <code>',
            escape(environment.getattr(l_1_row, 'where')),
            '</code>',
        ))
        if environment.getattr(l_1_row, 'source'):
            pass
            t_5.extend((
                ' <code class="line">',
                escape(environment.getattr(l_1_row, 'source')),
                '</code>',
            ))
        t_5.append(
            '          </p>\n          <div class="cols">\n            <section class="why">\n              <h3>Why it was raised</h3>\n',
        )
        if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'manual'):
            pass
            t_5.extend((
                '              <p>Written by hand in the model, <code>',
                escape(environment.getattr(l_1_row, 'where')),
                '</code>, status <b>',
                escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'manual'), 'status')),
                '</b> (manual).</p>\n',
            ))
        else:
            pass
            t_5.extend((
                '              <p>Rule <b>',
                escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'id')),
                '</b> (',
                escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'title')),
                '), <code>',
                escape(environment.getattr(l_1_row, 'rule_where')),
                '</code>, confidence ',
                escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'confidence')),
                ':</p>\n              <pre class="rule">',
                escape(environment.getattr(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'rule'), 'text')),
                '</pre>\n',
            ))
        if environment.getattr(l_1_row, 'description'):
            pass
            t_5.extend((
                '              <div class="description">',
                escape(environment.getattr(l_1_row, 'description')),
                '</div>\n',
            ))
        t_5.append(
            '              <h4>Proof, down to the model lines</h4>\n',
        )
        if (not t_4(environment.getattr(l_1_row, 'proof'))):
            pass
            t_5.extend((
                '              <ul class="proof">\n',
                escape(context.call((undefined(name='proof_node') if l_0_proof_node is missing else l_0_proof_node), environment.getattr(l_1_row, 'proof'))),
                '\n              </ul>\n',
            ))
        else:
            pass
            t_5.extend((
                '              <p class="proof-omitted">This report embeds the proofs of its first ',
                escape(environment.getattr(l_1_row, 'proof_limit')),
                ' threats;\n                <code>tmlogic explain MODEL ',
                escape(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'id')),
                '</code> shows this one\n                (or raise the limit: <code>tmlogic --limit report_proofs=N analyze ...</code>).</p>\n',
            ))
        t_5.extend((
            '            </section>\n            <section class="what">\n              <h3>What to do</h3>\n              <p class="fix">',
            escape((environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'mitigation') or 'The rule records no mitigation.')),
            '</p>\n              <h4>Severity: ',
            escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'level')),
            ' (',
            escape(t_1('%.1f', environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'score'))),
            '/10)</h4>\n              <table class="sev-table">\n',
        ))
        if environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'):
            pass
            t_5.extend((
                '                <tr><th>',
                escape(('stated' if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'manual') else 'rule says')),
                '</th><td>impact ',
                escape(environment.getattr(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'), 'rule_impact')),
                ', likelihood ',
                escape(environment.getattr(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'), 'rule_likelihood')),
                '</td></tr>\n                <tr><th>project says</th><td>',
                escape(environment.getattr(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'), 'level')),
                ': ',
                escape(environment.getattr(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'), 'reason')),
                ' (',
                escape(environment.getattr(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'override'), 'source')),
                ')</td></tr>\n',
            ))
        else:
            pass
            t_5.extend((
                '                <tr><th>',
                escape(('stated' if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'manual') else 'rule says')),
                '</th><td>impact ',
                escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'rule_impact')),
                ', likelihood ',
                escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'rule_likelihood')),
                '</td></tr>\n',
            ))
        for l_2_a in environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'adjustments'):
            _loop_vars = {}
            pass
            t_5.extend((
                '                <tr><th>',
                escape(environment.getattr(l_2_a, 'factor')),
                ' ',
                escape(('+' if (environment.getattr(l_2_a, 'steps') > 0) else cond_expr_undefined("the inline if-expression on line 52 in 'report/detail.html.j2' evaluated to false and no else section was defined."))),
                escape(environment.getattr(l_2_a, 'steps')),
                '</th><td>',
                escape(environment.getattr(l_2_a, 'reason')),
                '</td></tr>\n',
            ))
        l_2_a = missing
        t_5.extend((
            '                <tr><th>result</th><td>impact ',
            escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'impact')),
            ' × likelihood ',
            escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'likelihood')),
            ' = ',
            escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'base_score')),
            '</td></tr>\n',
        ))
        if (environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'multiplier') != 1.0):
            pass
            t_5.extend((
                '                <tr><th>multiplier</th><td>× ',
                escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'multiplier')),
                ' (Severity Multipliers in the model)</td></tr>\n',
            ))
        t_5.extend((
            '                <tr><th>score</th><td><b>',
            escape(t_1('%.1f', environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'score'))),
            '</b> → ',
            escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'level')),
            '</td></tr>\n              </table>\n              <h4>MITRE</h4>\n',
        ))
        if environment.getattr(l_1_row, 'chain'):
            pass
            t_5.append(
                '              <dl class="mitre">\n',
            )
            l_2_loop = missing
            for (l_2_label, l_2_refs), l_2_loop in LoopContext(environment.getattr(l_1_row, 'chain'), undefined):
                _loop_vars = {}
                pass
                t_5.extend((
                    '                <dt>',
                    escape(l_2_label),
                    '</dt>\n                <dd>',
                ))
                l_3_loop = missing
                for l_3_r, l_3_loop in LoopContext(l_2_refs, undefined):
                    _loop_vars = {}
                    pass
                    if environment.getattr(l_3_r, 'url'):
                        pass
                        t_5.extend((
                            '<a href="',
                            escape(environment.getattr(l_3_r, 'url')),
                            '" rel="noopener noreferrer" target="_blank"',
                        ))
                        if environment.getattr(l_3_r, 'via'):
                            pass
                            t_5.extend((
                                ' title="via ',
                                escape(environment.getattr(l_3_r, 'via')),
                                '"',
                            ))
                        t_5.extend((
                            '>',
                            escape(environment.getattr(l_3_r, 'label')),
                            '</a>',
                        ))
                    else:
                        pass
                        t_5.append(
                            '<span',
                        )
                        if environment.getattr(l_3_r, 'via'):
                            pass
                            t_5.extend((
                                ' title="via ',
                                escape(environment.getattr(l_3_r, 'via')),
                                '"',
                            ))
                        t_5.extend((
                            '>',
                            escape(environment.getattr(l_3_r, 'label')),
                            '</span>',
                        ))
                    t_5.append(
                        escape((', ' if (not environment.getattr(l_3_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 65 in 'report/detail.html.j2' evaluated to false and no else section was defined."))),
                    )
                l_3_loop = l_3_r = missing
                t_5.append(
                    '</dd>\n',
                )
            l_2_loop = l_2_label = l_2_refs = missing
            t_5.append(
                '              </dl>\n',
            )
        else:
            pass
            t_5.append(
                '              <p class="src">No CAPEC, ATT&amp;CK or CWE reference is recorded for this rule.</p>\n',
            )
        if environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'references'):
            pass
            t_5.append(
                '              <h4>References</h4>\n              <ul class="refs">\n',
            )
            for l_2_r in environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'references'):
                _loop_vars = {}
                pass
                t_5.extend((
                    '                <li>',
                    escape(l_2_r),
                    '</li>\n',
                ))
            l_2_r = missing
            t_5.append(
                '              </ul>\n',
            )
        t_5.append(
            '            </section>\n          </div>\n',
        )
        return concat(t_5)
    context.exported_vars.add('threat_detail')
    context.vars['threat_detail'] = l_0_threat_detail = Macro(environment, macro, 'threat_detail', ('row',), False, False, False, context.eval_ctx.autoescape)
    if t_3((undefined(name='detail_row') if l_0_detail_row is missing else l_0_detail_row)):
        pass
        yield escape(context.call((undefined(name='threat_detail') if l_0_threat_detail is missing else l_0_threat_detail), (undefined(name='detail_row') if l_0_detail_row is missing else l_0_detail_row)))
        yield '\n'

blocks = {}
debug_info = '3=37&4=43&5=49&6=50&7=53&8=56&9=60&11=67&12=71&13=76&15=86&20=99&21=103&23=112&24=120&26=123&27=127&30=133&32=137&35=144&36=146&42=151&43=153&45=158&46=162&47=168&49=179&51=186&52=191&54=202&55=209&56=213&58=218&61=223&63=229&64=234&65=238&71=293&74=298&75=303&82=316&83=318'
