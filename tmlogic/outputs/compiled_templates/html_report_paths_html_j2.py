# Generated from templates/report/paths.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/paths.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_paths = resolve('paths')
    l_0_pv = resolve('pv')
    l_0_proof_node = missing
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
    pass
    included_template = environment.get_template('report/proof.html.j2', 'report/paths.html.j2')._get_default_module(context)
    l_0_proof_node = getattr(included_template, 'proof_node', missing)
    if l_0_proof_node is missing:
        l_0_proof_node = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'report/paths.html.j2') does not export the requested name 'proof_node'", name='proof_node')
    context.vars['proof_node'] = l_0_proof_node
    context.exported_vars.discard('proof_node')
    if (undefined(name='paths') if l_0_paths is missing else l_0_paths):
        pass
        l_0_pv = environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'view')
        context.vars['pv'] = l_0_pv
        context.exported_vars.add('pv')
        yield '<section id="paths" aria-labelledby="paths-h">\n  <h2 id="paths-h">Attack paths</h2>\n  <p class="meta">'
        yield escape(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'reachable'))
        yield ' of '
        yield escape(t_2(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'goals')))
        yield ' crown jewel'
        yield escape(('s' if (t_2(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'goals')) != 1) else cond_expr_undefined("the inline if-expression on line 8 in 'report/paths.html.j2' evaluated to false and no else section was defined.")))
        yield ' reachable from '
        yield escape(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'attackers'))
        yield ' attacker entry point'
        yield escape(('s' if (environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'attackers') != 1) else cond_expr_undefined("the inline if-expression on line 8 in 'report/paths.html.j2' evaluated to false and no else section was defined.")))
        yield ';\n    up to '
        yield escape(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'k'))
        yield ' paths per goal, most likely first (a path\'s likelihood is the product of its steps\').\n    <b>Show on diagram</b> draws a path\'s elements and flows on the architecture above.</p>\n  <p><span id="path-chip" class="chip" hidden>path <b></b> drawn on the diagram <button type="button" aria-label="Stop drawing the path">×</button></span></p>\n'
        if environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'baseline'):
            pass
            yield '  <div class="new-paths">\n    <h3>'
            yield escape(('New paths to crown jewels' if (environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'new_paths') or environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'newly_reachable')) else 'No new paths to crown jewels'))
            yield ' (against <code>'
            yield escape(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'baseline'))
            yield '</code>)</h3>\n    <ul>\n'
            for l_1_name in environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'newly_reachable'):
                _loop_vars = {}
                pass
                yield '      <li><b>newly reachable:</b> '
                yield escape(l_1_name)
                yield '</li>\n'
            l_1_name = missing
            for l_1_n in environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'new_paths'):
                _loop_vars = {}
                pass
                yield '      <li><a href="#'
                yield escape(environment.getattr(environment.getattr(l_1_n, 'path'), 'id'))
                yield '"><code>'
                yield escape(environment.getattr(environment.getattr(l_1_n, 'path'), 'id'))
                yield '</code></a> to <b>'
                yield escape(environment.getattr(l_1_n, 'goal'))
                yield '</b>, '
                yield escape(environment.getattr(environment.getattr(l_1_n, 'path'), 'likelihood'))
                yield ', from '
                yield escape(environment.getattr(l_1_n, 'entry'))
                yield '</li>\n'
            l_1_n = missing
            for l_1_name in environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'no_longer_reachable'):
                _loop_vars = {}
                pass
                yield '      <li>no longer reachable: '
                yield escape(l_1_name)
                yield '</li>\n'
            l_1_name = missing
            yield '    </ul>\n  </div>\n'
        l_1_loop = missing
        for l_1_goal, l_1_loop in LoopContext(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'goals'), undefined):
            l_1_row = missing
            _loop_vars = {}
            pass
            l_1_row = environment.getattr(l_1_goal, 'row')
            _loop_vars['row'] = l_1_row
            yield '  <details class="goal"'
            if environment.getattr(l_1_loop, 'first'):
                pass
                yield ' open'
            yield '>\n    <summary><b>'
            yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'name'))
            yield '</b>'
            if environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'holds'):
                pass
                yield ' <span class="src">holds '
                yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'holds'))
                yield '</span>'
            yield ' —\n'
            if environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'best'):
                pass
                yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'paths'))
                yield ' path'
                yield escape(('s' if (environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'paths') != 1) else cond_expr_undefined("the inline if-expression on line 32 in 'report/paths.html.j2' evaluated to false and no else section was defined.")))
                yield ', most likely '
                yield escape(environment.getattr(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'best'), 'likelihood'))
                yield ' ('
                yield escape(t_1('%.3g', environment.getattr(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'best'), 'probability')))
                yield ') from '
                yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'entry'))
            else:
                pass
                yield 'not reachable'
            yield '</summary>\n'
            if (not environment.getattr(l_1_goal, 'paths')):
                pass
                yield '    <p class="notice">No path: no attacker reaches it through the model\'s flows.</p>\n'
            l_2_loop = missing
            for l_2_lp, l_2_loop in LoopContext(environment.getattr(l_1_goal, 'paths'), undefined):
                l_2_p = missing
                _loop_vars = {}
                pass
                l_2_p = environment.getattr(l_2_lp, 'p')
                _loop_vars['p'] = l_2_p
                yield '    <div class="path" id="'
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'id'))
                yield '">\n      <h4>Path '
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'rank'))
                yield ' <code>'
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'id'))
                yield '</code> · '
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'likelihood'))
                yield ' ('
                yield escape(t_1('%.3g', environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'probability')))
                yield ') · '
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'length'))
                yield ' steps · from '
                yield escape(environment.getattr(l_2_lp, 'entry'))
                yield ' ('
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'profile'))
                yield ')\n        <button type="button" class="draw-path" data-path="'
                yield escape(environment.getattr((undefined(name='p') if l_2_p is missing else l_2_p), 'id'))
                yield '" aria-pressed="false">Show on diagram</button></h4>\n      <ol class="steps">\n'
                l_3_loop = missing
                for l_3_st, l_3_loop in LoopContext(environment.getattr(l_2_lp, 'steps'), undefined):
                    l_3_s = missing
                    _loop_vars = {}
                    pass
                    l_3_s = environment.getattr(l_3_st, 's')
                    _loop_vars['s'] = l_3_s
                    yield '        <li class="step'
                    yield escape((' side' if environment.getattr(l_3_st, 'side') else cond_expr_undefined("the inline if-expression on line 44 in 'report/paths.html.j2' evaluated to false and no else section was defined.")))
                    yield '"><details>\n          <summary><b>'
                    yield escape(environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'id'))
                    yield '</b> <span class="kind">'
                    yield escape(environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'kind'))
                    yield '</span>'
                    for l_4_t in environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'techniques'):
                        _loop_vars = {}
                        pass
                        yield ' <span class="tech">'
                        yield escape(l_4_t)
                        yield '</span>'
                    l_4_t = missing
                    yield ' <span class="src">['
                    yield escape(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'likelihood'))
                    yield ']</span> '
                    yield escape(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'message'))
                    if environment.getattr(l_3_st, 'side'):
                        pass
                        yield ' <span class="src">(needed on the side)</span>'
                    yield '</summary>\n          <p>'
                    yield escape(environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'title'))
                    yield ' <span class="src">('
                    yield escape(context.call(environment.getattr(environment.getattr(environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'rule'), 'span'), 'short'), _loop_vars=_loop_vars))
                    yield ')</span>; gains: '
                    yield escape(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'shows'))
                    yield '</p>\n          <pre class="rule">'
                    yield escape(environment.getattr(environment.getattr(environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'rule'), 'rule'), 'text'))
                    yield '</pre>\n          <ul class="proof">\n'
                    for l_4_c in environment.getattr(l_3_st, 'conditions'):
                        _loop_vars = {}
                        pass
                        if environment.getattr(l_4_c, 'proof'):
                            pass
                            yield escape(context.call((undefined(name='proof_node') if l_0_proof_node is missing else l_0_proof_node), environment.getattr(l_4_c, 'proof'), _loop_vars=_loop_vars))
                            yield '\n'
                        else:
                            pass
                            yield '            <li class="pf"><code class="fact">'
                            yield escape(environment.getattr(l_4_c, 'fact'))
                            yield '</code></li>\n'
                        if environment.getattr(l_4_c, 'threat'):
                            pass
                            yield '            <li class="pf"><span class="src">threat</span> <a href="#'
                            yield escape(environment.getattr(l_4_c, 'threat'))
                            yield '"><code>'
                            yield escape(environment.getattr(l_4_c, 'threat'))
                            yield '</code></a></li>\n'
                    l_4_c = missing
                    for l_4_a in environment.getattr((undefined(name='s') if l_3_s is missing else l_3_s), 'absent'):
                        _loop_vars = {}
                        pass
                        yield '            <li class="pf pf-absent"><code class="fact">!'
                        yield escape(l_4_a)
                        yield '</code> <span class="src">checked absent</span></li>\n'
                    l_4_a = missing
                    yield '          </ul>\n'
                    if environment.getattr(l_3_st, 'stopped_by'):
                        pass
                        yield '          <p class="fix">Removed by: '
                        l_4_loop = missing
                        for l_4_c, l_4_loop in LoopContext(environment.getattr(l_3_st, 'stopped_by'), undefined):
                            _loop_vars = {}
                            pass
                            yield escape(l_4_c)
                            yield escape((' · ' if (not environment.getattr(l_4_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 64 in 'report/paths.html.j2' evaluated to false and no else section was defined.")))
                        l_4_loop = l_4_c = missing
                        yield '</p>\n'
                    yield '        </details></li>\n'
                l_3_loop = l_3_st = l_3_s = missing
                yield '      </ol>\n    </div>\n'
            l_2_loop = l_2_lp = l_2_p = missing
            yield '    <div class="cut"><b>Choke point:</b> '
            yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'cut_head'))
            yield '\n'
            if environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'cut_changes'):
                pass
                yield '      <ul>'
                for l_2_c in environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'cut_changes'):
                    _loop_vars = {}
                    pass
                    yield '<li>'
                    yield escape(l_2_c)
                    yield '</li>'
                l_2_c = missing
                yield '</ul>\n'
            yield '      <p>'
            yield escape(environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'known_head'))
            yield '</p>\n'
            if environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'known_changes'):
                pass
                yield '      <ul>'
                for l_2_c in environment.getattr((undefined(name='row') if l_1_row is missing else l_1_row), 'known_changes'):
                    _loop_vars = {}
                    pass
                    yield '<li>'
                    yield escape(l_2_c)
                    yield '</li>'
                l_2_c = missing
                yield '</ul>\n'
            yield '    </div>\n  </details>\n'
        l_1_loop = l_1_goal = l_1_row = missing
        yield '  <div class="cut"><b>Every goal together:</b> '
        yield escape(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'all_goals_head'))
        yield '\n'
        if environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'all_goals_changes'):
            pass
            yield '    <ul>'
            for l_1_c in environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'all_goals_changes'):
                _loop_vars = {}
                pass
                yield '<li>'
                yield escape(l_1_c)
                yield '</li>'
            l_1_c = missing
            yield '</ul>\n'
        yield '  </div>\n'
        if environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'top_controls'):
            pass
            yield '  <div class="cut"><b>Single changes that stop the most listed paths</b> (of '
            yield escape(environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'listed'))
            yield '):\n    <ul>'
            for (l_1_text, l_1_n) in environment.getattr((undefined(name='pv') if l_0_pv is missing else l_0_pv), 'top_controls'):
                _loop_vars = {}
                pass
                yield '<li>'
                yield escape(l_1_n)
                yield ': '
                yield escape(l_1_text)
                yield '</li>'
            l_1_text = l_1_n = missing
            yield '</ul>\n  </div>\n'
        for l_1_note in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'notes'):
            _loop_vars = {}
            pass
            yield '  <p class="src">Note: '
            yield escape(l_1_note)
            yield '</p>\n'
        l_1_note = missing
        yield '</section>\n\n'

blocks = {}
debug_info = '3=26&4=32&5=34&8=38&9=48&12=50&14=53&16=57&17=61&19=64&20=68&22=79&23=83&28=88&29=92&30=95&31=99&32=107&33=122&36=126&37=130&38=133&39=135&40=149&42=152&43=156&44=159&45=161&46=180&47=186&49=188&50=191&51=193&53=198&55=200&56=203&59=208&60=212&63=216&64=220&71=232&72=234&73=237&75=246&76=248&77=251&82=262&83=264&84=267&87=276&88=279&89=281&92=291&93=295'
