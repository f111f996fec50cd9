# Generated from templates/report/diagram.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/diagram.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_views = resolve('views')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield '<section id="diagram" aria-labelledby="diagram-h">\n  <h2 id="diagram-h">Architecture</h2>\n  <div class="toolbar">\n    <button type="button" data-zoom="in" aria-label="Zoom in">+</button>\n    <button type="button" data-zoom="out" aria-label="Zoom out">−</button>\n    <button type="button" data-zoom="fit">Fit</button>\n    <span class="hint">Scroll or use +/− to zoom, drag to pan, click an element to list its threats'
    if (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 1):
        pass
        yield ', click a folder to open its submodel'
    yield '.</span>\n  </div>\n'
    l_1_loop = missing
    for l_1_v, l_1_loop in LoopContext((undefined(name='views') if l_0_views is missing else l_0_views), undefined):
        l_1_md = resolve('md')
        _loop_vars = {}
        pass
        yield '  <div class="view" id="view-'
        yield escape(environment.getattr(l_1_v, 'index'))
        yield '" data-view="'
        yield escape(environment.getattr(l_1_v, 'index'))
        yield '"'
        if (not environment.getattr(l_1_loop, 'first')):
            pass
            yield ' hidden'
        yield '>\n'
        if (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 1):
            pass
            yield '    <nav class="crumbs" aria-label="Breadcrumbs">\n'
            l_2_loop = missing
            for (l_2_i, l_2_name), l_2_loop in LoopContext(environment.getattr(l_1_v, 'crumbs'), undefined):
                _loop_vars = {}
                pass
                if environment.getattr(l_2_loop, 'last'):
                    pass
                    yield '      <span aria-current="page">'
                    yield escape(l_2_name)
                    yield '</span>\n'
                else:
                    pass
                    yield '      <a href="#view-'
                    yield escape(l_2_i)
                    yield '">'
                    yield escape(l_2_name)
                    yield '</a> <span class="sep">›</span>\n'
            l_2_loop = l_2_i = l_2_name = missing
            yield '      <span class="file"><code>'
            yield escape(environment.getattr(l_1_v, 'key'))
            yield '</code>, '
            yield escape(environment.getattr(l_1_v, 'threat_count'))
            yield ' threat'
            yield escape(('s' if (environment.getattr(l_1_v, 'threat_count') != 1) else cond_expr_undefined("the inline if-expression on line 21 in 'report/diagram.html.j2' evaluated to false and no else section was defined.")))
            yield '</span>\n    </nav>\n'
        if environment.getattr(l_1_v, 'svg'):
            pass
            yield '    <div class="canvas">'
            yield escape(environment.getattr(l_1_v, 'svg'))
            yield '</div>\n'
        else:
            pass
            yield '    <p class="notice">No diagram: '
            yield escape(environment.getattr(l_1_v, 'diagram_error'))
            yield '</p>\n'
        if ((not t_2(environment.getattr(l_1_v, 'parent'))) and environment.getattr(environment.getattr(l_1_v, 'model'), 'description')):
            pass
            yield '    <div class="description">'
            yield escape(context.call((undefined(name='md') if l_1_md is missing else l_1_md), environment.getattr(environment.getattr(l_1_v, 'model'), 'description'), _loop_vars=_loop_vars))
            yield '</div>\n'
        if (t_2(environment.getattr(l_1_v, 'parent')) and (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 1)):
            pass
            yield '    <p class="subs">Submodels:\n'
            def t_3(fiter):
                for l_2_s in fiter:
                    if (not t_2(environment.getattr(l_2_s, 'parent'))):
                        yield l_2_s
            l_2_loop = missing
            for l_2_s, l_2_loop in LoopContext(t_3((undefined(name='views') if l_0_views is missing else l_0_views)), undefined):
                _loop_vars = {}
                pass
                yield '      <a href="#view-'
                yield escape(environment.getattr(l_2_s, 'index'))
                yield '">'
                yield escape(environment.getattr(l_2_s, 'title'))
                yield '</a> <span class="src">('
                yield escape(environment.getattr(l_2_s, 'key'))
                yield ', '
                yield escape(environment.getattr(l_2_s, 'threat_count'))
                yield ')</span>'
                yield escape((',' if (not environment.getattr(l_2_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 35 in 'report/diagram.html.j2' evaluated to false and no else section was defined.")))
                yield '\n'
            l_2_loop = l_2_s = missing
            yield '    </p>\n'
        yield '  </div>\n'
    l_1_loop = l_1_v = l_1_md = missing
    yield '</section>\n'

blocks = {}
debug_info = '8=25&10=30&11=35&12=43&14=47&15=50&16=53&18=58&21=64&24=70&25=73&27=78&29=80&30=83&32=85&34=88&35=97'
