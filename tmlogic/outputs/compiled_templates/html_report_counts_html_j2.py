# Generated from templates/report/counts.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/counts.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_summary = resolve('summary')
    l_0_top = resolve('top')
    try:
        t_1 = environment.filters['map']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'map' found.")
    try:
        t_2 = environment.filters['max']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'max' found.")
    pass
    yield '  <div class="cards">\n    <div class="card total"><span class="n">'
    yield escape(environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'total'))
    yield '</span> threat'
    yield escape(('s' if (environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'total') != 1) else cond_expr_undefined("the inline if-expression on line 3 in 'report/counts.html.j2' evaluated to false and no else section was defined.")))
    yield '</div>\n'
    for (l_1_level, l_1_n) in environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'by_severity'):
        _loop_vars = {}
        pass
        yield '    <button type="button" class="card sev sev-'
        yield escape(l_1_level)
        yield '" data-level="'
        yield escape(l_1_level)
        yield '"'
        if (not l_1_n):
            pass
            yield ' disabled'
        yield '><span class="n">'
        yield escape(l_1_n)
        yield '</span> '
        yield escape(l_1_level)
        yield '</button>\n'
    l_1_level = l_1_n = missing
    if environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'accepted'):
        pass
        yield '    <button type="button" class="card accepted-card" id="show-accepted"><span class="n">'
        yield escape(environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'accepted'))
        yield '</span> accepted</button>\n'
    yield '  </div>\n'
    if environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'by_stride'):
        pass
        yield '  <div class="stride" role="list" aria-label="Threats by STRIDE category">\n'
        l_0_top = t_2(environment, t_1(context, environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'by_stride'), attribute=1))
        context.vars['top'] = l_0_top
        context.exported_vars.add('top')
        for (l_1_cat, l_1_n) in environment.getattr((undefined(name='summary') if l_0_summary is missing else l_0_summary), 'by_stride'):
            _loop_vars = {}
            pass
            yield '    <button type="button" role="listitem" class="stride-bar" data-stride="'
            yield escape(l_1_cat)
            yield '"><span class="label">'
            yield escape(l_1_cat)
            yield '</span><meter min="0" max="'
            yield escape((undefined(name='top') if l_0_top is missing else l_0_top))
            yield '" value="'
            yield escape(l_1_n)
            yield '">'
            yield escape(l_1_n)
            yield '</meter><span class="n">'
            yield escape(l_1_n)
            yield '</span></button>\n'
        l_1_cat = l_1_n = missing
        yield '  </div>\n'

blocks = {}
debug_info = '3=26&4=30&5=34&7=47&8=50&11=53&13=56&14=59&15=63'
