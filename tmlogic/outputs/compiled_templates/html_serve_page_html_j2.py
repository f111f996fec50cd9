# Generated from templates/serve/page.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'serve/page.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_version = resolve('version')
    l_0_title = resolve('title')
    l_0_boot = resolve('boot')
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="generator" content="tmlogic '
    yield escape((undefined(name='version') if l_0_version is missing else l_0_version))
    yield '">\n<title>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield ' · tmlogic serve</title>\n<link rel="stylesheet" href="/static/report.css">\n<link rel="stylesheet" href="/static/app.css">\n</head>\n<body data-app="serve">\n<header class="bar">\n  <span class="brand">tmlogic</span>\n  <nav id="file-crumbs" aria-label="Where this file sits in the project"></nav>\n  <label class="files">File <select id="file-select" aria-label="Model file"></select></label>\n  <span id="dirty" class="dirty" hidden>● unsaved</span>\n  <button type="button" id="save" title="Save (Ctrl+S)">Save</button>\n  <span id="status" class="status" aria-live="polite">connecting…</span>\n</header>\n<div id="banner" class="banner" role="alert" hidden>\n  <span id="banner-text"></span>\n  <button type="button" id="banner-disk">Load the version on disk</button>\n  <button type="button" id="banner-keep">Keep my edits</button>\n</div>\n<main class="live">\n  <section id="editor-pane" aria-label="Model editor">\n    <div id="editor"></div>\n    <details id="problems-box" class="problems" open>\n      <summary id="problems-title">Problems</summary>\n      <ul id="problems"></ul>\n    </details>\n  </section>\n  <section id="view-pane" aria-label="Live analysis">\n    <p id="stale" class="notice" hidden>The model has errors (see the editor): showing the last analysis that worked.</p>\n    <div id="live-diagram"></div>\n    <div id="live-counts" class="live-counts"></div>\n    <div id="live-threats"></div>\n    <details id="diff-panel" class="diff-panel" open>\n      <summary>Changes: unsaved edits vs disk and vs git HEAD</summary>\n      <div id="diff-body"><p class="src">Waiting for the first analysis…</p></div>\n    </details>\n  </section>\n</main>\n<footer class="bar-foot">tmlogic '
    yield escape((undefined(name='version') if l_0_version is missing else l_0_version))
    yield ' · <a href="/static/THIRD-PARTY-LICENSES.txt">third-party licences</a></footer>\n<script type="application/json" id="tm-serve">'
    yield escape(t_1(context.eval_ctx, (undefined(name='boot') if l_0_boot is missing else l_0_boot)))
    yield '</script>\n<script src="/static/editor.bundle.js"></script>\n<script src="/static/report.js"></script>\n<script src="/static/app.js"></script>\n</body>\n</html>\n'

blocks = {}
debug_info = '9=21&10=23&47=25&48=27'
