# Generated from templates/report.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_csp = resolve('csp')
    l_0_version = resolve('version')
    l_0_title = resolve('title')
    l_0_css = resolve('css')
    l_0_result = resolve('result')
    l_0_views = resolve('views')
    l_0_kb_versions = resolve('kb_versions')
    l_0_description = resolve('description')
    l_0_data = resolve('data')
    l_0_js = resolve('js')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="'
    yield escape((undefined(name='csp') if l_0_csp is missing else l_0_csp))
    yield '">\n<meta name="generator" content="tmlogic '
    yield escape((undefined(name='version') if l_0_version is missing else l_0_version))
    yield '">\n<title>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield ': threat model report</title>\n<style>'
    yield escape((undefined(name='css') if l_0_css is missing else l_0_css))
    yield '</style>\n</head>\n<body>\n<header class="top">\n  <h1>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield '</h1>\n  <p class="meta">Model <code>'
    yield escape(environment.getattr(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'model'), 'path'))
    yield '</code>'
    if (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 1):
        pass
        yield ' and '
        yield escape((t_1((undefined(name='views') if l_0_views is missing else l_0_views)) - 1))
        yield ' submodel'
        yield escape(('s' if (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 2) else cond_expr_undefined("the inline if-expression on line 16 in 'report.html.j2' evaluated to false and no else section was defined.")))
    yield '    · '
    yield escape(t_1(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'rules')))
    yield ' rules · '
    yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'fact_count'))
    yield ' facts · engine '
    yield escape(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'engine'))
    yield ' · tmlogic '
    yield escape((undefined(name='version') if l_0_version is missing else l_0_version))
    for (l_1_name, l_1_v) in context.call(environment.getattr((undefined(name='kb_versions') if l_0_kb_versions is missing else l_0_kb_versions), 'items')):
        _loop_vars = {}
        pass
        yield ' · '
        yield escape(l_1_name)
        yield ' '
        yield escape(l_1_v)
    l_1_name = l_1_v = missing
    yield '</p>\n</header>\n<main>\n<section id="summary" aria-labelledby="summary-h">\n  <h2 id="summary-h">Summary</h2>\n'
    template = environment.get_template('report/counts.html.j2', 'report.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    if (undefined(name='description') if l_0_description is missing else l_0_description):
        pass
        yield '  <div class="description">'
        yield escape((undefined(name='description') if l_0_description is missing else l_0_description))
        yield '</div>\n'
    if environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'warnings'):
        pass
        yield '  <details class="warnings">\n    <summary>'
        yield escape(t_1(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'warnings')))
        yield ' warning'
        yield escape(('s' if (t_1(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'warnings')) != 1) else cond_expr_undefined("the inline if-expression on line 29 in 'report.html.j2' evaluated to false and no else section was defined.")))
        yield ' about the model or the rules</summary>\n    <ul>\n'
        for l_1_w in environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'warnings'):
            _loop_vars = {}
            pass
            yield '      <li><code>'
            yield escape(environment.getattr(l_1_w, 'span'))
            yield '</code> '
            yield escape(environment.getattr(l_1_w, 'message'))
            if environment.getattr(l_1_w, 'hint'):
                pass
                yield ' <span class="hint">('
                yield escape(environment.getattr(l_1_w, 'hint'))
                yield ')</span>'
            yield '</li>\n'
        l_1_w = missing
        yield '    </ul>\n  </details>\n'
    yield '  <details class="help">\n    <summary>How to read this report</summary>\n    <p>Each threat was derived by a rule from facts of the model. Open a row of the table to see <b>why</b> it was raised\n      (the rule, the facts it matched and the model lines they come from), <b>how bad</b> it is (impact × likelihood,\n      adjusted by the model\'s data and exposure) and <b>what to do</b> (the rule\'s mitigation and the MITRE references).\n      Click an element or a flow of the diagram to list only its threats'
    if (t_1((undefined(name='views') if l_0_views is missing else l_0_views)) > 1):
        pass
        yield '; click an element drawn\n      as a folder to open its submodel'
    yield '. Outlines on the diagram show the worst severity on each element or flow.\n      <code>tmlogic explain MODEL THREAT_ID</code> prints the same proof in a terminal.</p>\n  </details>\n</section>\n\n'
    template = environment.get_template('report/diagram.html.j2', 'report.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield '\n'
    template = environment.get_template('report/paths.html.j2', 'report.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield '\n'
    template = environment.get_template('report/threats.html.j2', 'report.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield '</main>\n<footer>\n  <p>Generated by tmlogic '
    yield escape((undefined(name='version') if l_0_version is missing else l_0_version))
    yield ' from <code>'
    yield escape(environment.getattr(environment.getattr((undefined(name='result') if l_0_result is missing else l_0_result), 'model'), 'path'))
    yield '</code>. This file works offline: it loads nothing from the network.\n  CAPEC, ATT&amp;CK, D3FEND and CWE are published by The MITRE Corporation; links open their official pages.</p>\n</footer>\n<script type="application/json" id="tm-data">'
    yield escape(t_2(context.eval_ctx, (undefined(name='data') if l_0_data is missing else l_0_data)))
    yield '</script>\n<script>'
    yield escape((undefined(name='js') if l_0_js is missing else l_0_js))
    yield '</script>\n</body>\n</html>\n'

blocks = {}
debug_info = '8=34&9=36&10=38&11=40&15=42&16=44&17=53&18=60&23=69&24=75&25=78&27=80&29=83&31=87&32=91&42=103&48=107&50=114&52=121&55=128&58=132&59=134'
