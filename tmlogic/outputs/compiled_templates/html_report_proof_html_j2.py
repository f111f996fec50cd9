# Generated from templates/report/proof.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/proof.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_proof_node = missing
    pass
    def macro(l_1_events):
        t_1 = []
        if l_1_events is missing:
            l_1_events = undefined("parameter 'events' was not provided", name='events')
        pass
        l_2_loop = missing
        for l_2_n, l_2_loop in LoopContext(l_1_events, undefined):
            _loop_vars = {}
            pass
            if (environment.getattr(l_2_n, 'event') == 'open'):
                pass
                t_1.extend((
                    '<li class="pf pf-',
                    escape(environment.getattr(l_2_n, 'kind')),
                    '">\n  <code class="fact">',
                    escape(environment.getattr(l_2_n, 'fact')),
                    '</code>\n  <span class="by">by <b>',
                    escape(environment.getattr(l_2_n, 'rule')),
                    '</b> <span class="src">',
                    escape(environment.getattr(l_2_n, 'rule_where')),
                    '</span></span>\n',
                ))
                if environment.getattr(l_2_n, 'bindings'):
                    pass
                    t_1.append(
                        '  <div class="bind">with ',
                    )
                    l_3_loop = missing
                    for (l_3_k, l_3_v, l_3_name), l_3_loop in LoopContext(environment.getattr(l_2_n, 'bindings'), undefined):
                        _loop_vars = {}
                        pass
                        t_1.extend((
                            '<var>',
                            escape(l_3_k),
                            '</var>=<code>',
                            escape(l_3_v),
                            '</code>',
                        ))
                        if (l_3_name and (l_3_name != l_3_v)):
                            pass
                            t_1.extend((
                                ' (',
                                escape(l_3_name),
                                ')',
                            ))
                        t_1.append(
                            escape((', ' if (not environment.getattr(l_3_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 11 in 'report/proof.html.j2' evaluated to false and no else section was defined."))),
                        )
                    l_3_loop = l_3_k = l_3_v = l_3_name = missing
                    t_1.append(
                        '</div>\n',
                    )
                t_1.append(
                    '  <ul>\n',
                )
            elif (environment.getattr(l_2_n, 'event') == 'close'):
                pass
                for l_3_c in environment.getattr(l_2_n, 'constraints'):
                    _loop_vars = {}
                    pass
                    t_1.extend((
                        '    <li class="pf pf-constraint"><code class="fact">',
                        escape(l_3_c),
                        '</code> <span class="src">constraint holds</span></li>\n',
                    ))
                l_3_c = missing
                for l_3_a in environment.getattr(l_2_n, 'absent'):
                    _loop_vars = {}
                    pass
                    t_1.extend((
                        '    <li class="pf pf-absent"><code class="fact">!',
                        escape(l_3_a),
                        '</code> <span class="src">checked absent</span></li>\n',
                    ))
                l_3_a = missing
                t_1.append(
                    '  </ul>\n</li>\n',
                )
            else:
                pass
                t_1.extend((
                    '<li class="pf pf-',
                    escape(environment.getattr(l_2_n, 'kind')),
                    '">\n  <code class="fact">',
                    escape(environment.getattr(l_2_n, 'fact')),
                    '</code>\n',
                ))
                if (environment.getattr(l_2_n, 'kind') == 'input'):
                    pass
                    t_1.extend((
                        '  <span class="src">fact from <b>',
                        escape(environment.getattr(l_2_n, 'where')),
                        '</b>',
                    ))
                    if environment.getattr(l_2_n, 'extension'):
                        pass
                        t_1.extend((
                            ', an extension by rule pack <b>',
                            escape(environment.getattr(l_2_n, 'extension')),
                            '</b>',
                        ))
                    t_1.append(
                        '</span>\n',
                    )
                    if environment.getattr(l_2_n, 'source'):
                        pass
                        t_1.extend((
                            '  <code class="line">',
                            escape(environment.getattr(l_2_n, 'source')),
                            '</code>\n',
                        ))
                else:
                    pass
                    t_1.append(
                        '  <span class="src">(derived above)</span>\n',
                    )
                t_1.append(
                    '</li>\n',
                )
        l_2_loop = l_2_n = missing
        return concat(t_1)
    context.exported_vars.add('proof_node')
    context.vars['proof_node'] = l_0_proof_node = Macro(environment, macro, 'proof_node', ('events',), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '4=12&5=18&6=21&7=25&8=27&9=29&10=34&11=40&14=67&15=69&16=74&18=78&19=83&24=94&25=96&26=99&27=103&28=116&29=120'
