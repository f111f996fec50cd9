# Generated from templates/serve/diff.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'serve/diff.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_sides = resolve('sides')
    l_0_threat_item = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    def macro(l_1_t, l_1_sign):
        t_2 = []
        if l_1_t is missing:
            l_1_t = undefined("parameter 't' was not provided", name='t')
        if l_1_sign is missing:
            l_1_sign = undefined("parameter 'sign' was not provided", name='sign')
        pass
        t_2.extend((
            '<li class="d-',
            escape(l_1_sign),
            '"><span class="badge sev-',
            escape(environment.getattr(l_1_t, 'level')),
            '">',
            escape(environment.getattr(l_1_t, 'level')),
            '</span>\n',
        ))
        if (l_1_sign != 'removed'):
            pass
            t_2.extend((
                '<a href="#',
                escape(environment.getattr(l_1_t, 'id')),
                '" class="to-threat"><code>',
                escape(environment.getattr(l_1_t, 'id')),
                '</code></a>',
            ))
        else:
            pass
            t_2.extend((
                '<code>',
                escape(environment.getattr(l_1_t, 'id')),
                '</code>',
            ))
        t_2.extend((
            '  <b>',
            escape(environment.getattr(l_1_t, 'rule_id')),
            '</b> ',
            escape(environment.getattr(l_1_t, 'message')),
            ' <span class="src">',
            escape(environment.getattr(environment.getattr(l_1_t, 'location'), 'file')),
            ':',
            escape(environment.getattr(environment.getattr(l_1_t, 'location'), 'line')),
            '</span></li>\n',
        ))
        return concat(t_2)
    context.exported_vars.add('threat_item')
    context.vars['threat_item'] = l_0_threat_item = Macro(environment, macro, 'threat_item', ('t', 'sign'), False, False, False, context.eval_ctx.autoescape)
    l_1_loop = missing
    for l_1_side, l_1_loop in LoopContext((undefined(name='sides') if l_0_sides is missing else l_0_sides), undefined):
        l_1_d = resolve('d')
        l_1_s = resolve('s')
        _loop_vars = {}
        pass
        yield '<section class="diff-side">\n  <h3>'
        yield escape(environment.getattr(l_1_side, 'title'))
        yield '</h3>\n'
        if environment.getattr(l_1_side, 'clean'):
            pass
            yield '  <p class="src">No unsaved edits.</p>\n'
        elif environment.getattr(l_1_side, 'problem'):
            pass
            yield '  <p class="notice">Not compared: '
            yield escape(environment.getattr(l_1_side, 'problem'))
            yield '.</p>\n'
        else:
            pass
            l_1_d = environment.getattr(l_1_side, 'diff')
            _loop_vars['d'] = l_1_d
            l_1_s = environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'summary')
            _loop_vars['s'] = l_1_s
            yield '  <p class="diff-summary"><b>'
            yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'threats_added'))
            yield '</b> new, <b>'
            yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'threats_removed'))
            yield '</b> resolved, <b>'
            yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'threats_changed'))
            yield '</b> changed threat'
            yield escape(('s' if (environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'threats_changed') != 1) else cond_expr_undefined("the inline if-expression on line 17 in 'serve/diff.html.j2' evaluated to false and no else section was defined.")))
            yield '; '
            yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'model_changes'))
            yield ' model change'
            yield escape(('s' if (environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'model_changes') != 1) else cond_expr_undefined("the inline if-expression on line 17 in 'serve/diff.html.j2' evaluated to false and no else section was defined.")))
            yield ' <span class="src">('
            yield escape(environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'old'), 'source'))
            yield ' → editor)</span></p>\n'
            if ((environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'added') or environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'removed')) or environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'changed')):
                pass
                yield '  <ul class="diff-threats">\n'
                for l_2_t in environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'added'):
                    _loop_vars = {}
                    pass
                    yield escape(context.call((undefined(name='threat_item') if l_0_threat_item is missing else l_0_threat_item), l_2_t, 'added', _loop_vars=_loop_vars))
                l_2_t = missing
                for l_2_t in environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'removed'):
                    _loop_vars = {}
                    pass
                    yield escape(context.call((undefined(name='threat_item') if l_0_threat_item is missing else l_0_threat_item), l_2_t, 'removed', _loop_vars=_loop_vars))
                l_2_t = missing
                for l_2_c in environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'threats'), 'changed'):
                    _loop_vars = {}
                    pass
                    yield '    <li class="d-changed"><span class="badge sev-'
                    yield escape(environment.getattr(environment.getattr(l_2_c, 'new'), 'level'))
                    yield '">'
                    yield escape(environment.getattr(environment.getattr(l_2_c, 'new'), 'level'))
                    yield '</span> <a href="#'
                    yield escape(environment.getattr(l_2_c, 'id'))
                    yield '" class="to-threat"><code>'
                    yield escape(environment.getattr(l_2_c, 'id'))
                    yield '</code></a> <b>'
                    yield escape(environment.getattr(l_2_c, 'rule_id'))
                    yield '</b> '
                    yield escape(environment.getattr(l_2_c, 'title'))
                    yield ':\n'
                    if ('severity' in environment.getattr(l_2_c, 'changed')):
                        pass
                        yield escape(environment.getattr(environment.getattr(l_2_c, 'old'), 'level'))
                        yield ' '
                        yield escape(environment.getattr(environment.getattr(l_2_c, 'old'), 'score'))
                        yield ' → '
                        yield escape(environment.getattr(environment.getattr(l_2_c, 'new'), 'level'))
                        yield ' '
                        yield escape(environment.getattr(environment.getattr(l_2_c, 'new'), 'score'))
                    if ('accepted' in environment.getattr(l_2_c, 'changed')):
                        pass
                        yield escape(('now accepted' if environment.getattr(environment.getattr(l_2_c, 'new'), 'accepted') else 'no longer accepted'))
                    yield '</li>\n'
                l_2_c = missing
                yield '  </ul>\n'
            if environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'model'):
                pass
                yield '  <ul class="diff-model">\n'
                if environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'model'), 'title'):
                    pass
                    yield '<li class="d-changed">title: '
                    yield escape(environment.getattr(environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'model'), 'title'), 'old'))
                    yield ' → '
                    yield escape(environment.getattr(environment.getattr(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'model'), 'title'), 'new'))
                    yield '</li>'
                l_2_loop = missing
                for l_2_group, l_2_loop in LoopContext(('boundaries', 'elements', 'data', 'flows', 'acceptances'), undefined):
                    l_2_g = missing
                    _loop_vars = {}
                    pass
                    l_2_g = environment.getitem(environment.getattr((undefined(name='d') if l_1_d is missing else l_1_d), 'model'), l_2_group)
                    _loop_vars['g'] = l_2_g
                    for l_3_r in environment.getattr((undefined(name='g') if l_2_g is missing else l_2_g), 'added'):
                        _loop_vars = {}
                        pass
                        yield '<li class="d-added">'
                        yield escape(l_2_group)
                        yield ': + '
                        yield escape(environment.getattr(l_3_r, 'name'))
                        yield '</li>'
                    l_3_r = missing
                    for l_3_r in environment.getattr((undefined(name='g') if l_2_g is missing else l_2_g), 'removed'):
                        _loop_vars = {}
                        pass
                        yield '<li class="d-removed">'
                        yield escape(l_2_group)
                        yield ': − '
                        yield escape(environment.getattr(l_3_r, 'name'))
                        yield '</li>'
                    l_3_r = missing
                    for l_3_r in environment.getattr((undefined(name='g') if l_2_g is missing else l_2_g), 'renamed'):
                        _loop_vars = {}
                        pass
                        yield '<li class="d-changed">'
                        yield escape(l_2_group)
                        yield ': '
                        yield escape(environment.getattr(environment.getattr(l_3_r, 'old'), 'name'))
                        yield ' renamed to '
                        yield escape(environment.getattr(environment.getattr(l_3_r, 'new'), 'name'))
                        yield '</li>'
                    l_3_r = missing
                    l_3_loop = missing
                    for l_3_c, l_3_loop in LoopContext(environment.getattr((undefined(name='g') if l_2_g is missing else l_2_g), 'changed'), undefined):
                        _loop_vars = {}
                        pass
                        yield '<li class="d-changed">'
                        yield escape(l_2_group)
                        yield ': '
                        yield escape(environment.getattr(l_3_c, 'name'))
                        yield ': '
                        l_4_loop = missing
                        for l_4_f, l_4_loop in LoopContext(environment.getattr(l_3_c, 'changes'), undefined):
                            _loop_vars = {}
                            pass
                            yield escape(environment.getattr(l_4_f, 'field'))
                            yield ' '
                            yield escape(t_1(context.eval_ctx, environment.getattr(l_4_f, 'old')))
                            yield ' → '
                            yield escape(t_1(context.eval_ctx, environment.getattr(l_4_f, 'new')))
                            yield escape(('; ' if (not environment.getattr(l_4_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 37 in 'serve/diff.html.j2' evaluated to false and no else section was defined.")))
                        l_4_loop = l_4_f = missing
                        yield '</li>'
                    l_3_loop = l_3_c = missing
                l_2_loop = l_2_group = l_2_g = missing
                yield '  </ul>\n'
        yield '</section>\n'
    l_1_loop = l_1_side = l_1_d = l_1_s = missing

blocks = {}
debug_info = '2=19&3=28&4=35&5=53&7=66&9=72&10=74&12=77&13=80&15=84&16=86&17=89&18=103&20=106&21=111&22=116&23=120&24=132&25=141&29=147&31=150&32=158&33=162&34=164&35=173&36=182&37=194'
