# Generated from templates/report/threats.html.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report/threats.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_levels = resolve('levels')
    l_0_strides = resolve('strides')
    l_0_views = resolve('views')
    l_0_threats = resolve('threats')
    l_0_threat_detail = missing
    try:
        t_1 = environment.filters['format']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'format' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_3 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    included_template = environment.get_template('report/detail.html.j2', 'report/threats.html.j2')._get_default_module(context)
    l_0_threat_detail = getattr(included_template, 'threat_detail', missing)
    if l_0_threat_detail is missing:
        l_0_threat_detail = undefined(f"the template {included_template.__name__!r} (imported on line 2 in 'report/threats.html.j2') does not export the requested name 'threat_detail'", name='threat_detail')
    context.vars['threat_detail'] = l_0_threat_detail
    context.exported_vars.discard('threat_detail')
    yield '<section id="threats" aria-labelledby="threats-h">\n  <h2 id="threats-h">Threats</h2>\n  <div class="filters">\n    <input type="search" id="f-text" placeholder="Search id, rule, element, message, CAPEC…" aria-label="Search threats">\n    <select id="f-level" aria-label="Severity">\n      <option value="">Any severity</option>\n'
    for l_1_l in (undefined(name='levels') if l_0_levels is missing else l_0_levels):
        _loop_vars = {}
        pass
        yield '      <option value="'
        yield escape(l_1_l)
        yield '">'
        yield escape(l_1_l)
        yield '</option>\n'
    l_1_l = missing
    yield '    </select>\n    <select id="f-stride" aria-label="STRIDE category">\n      <option value="">Any STRIDE</option>\n'
    for l_1_s in (undefined(name='strides') if l_0_strides is missing else l_0_strides):
        _loop_vars = {}
        pass
        yield '      <option value="'
        yield escape(l_1_s)
        yield '">'
        yield escape(l_1_s)
        yield '</option>\n'
    l_1_s = missing
    yield '    </select>\n'
    if (t_3((undefined(name='views') if l_0_views is missing else l_0_views)) > 1):
        pass
        yield '    <select id="f-view" aria-label="Model file">\n      <option value="">All models</option>\n'
        for l_1_v in (undefined(name='views') if l_0_views is missing else l_0_views):
            _loop_vars = {}
            pass
            yield '      <option value="'
            yield escape(environment.getattr(l_1_v, 'index'))
            yield '">'
            yield escape(environment.getattr(l_1_v, 'key'))
            yield '</option>\n'
        l_1_v = missing
        yield '    </select>\n'
    yield '    <label><input type="checkbox" id="f-accepted"> show accepted</label>\n    <span id="f-target" class="chip" hidden>on <b></b> <label><input type="checkbox" id="f-flows"> and its flows</label> <button type="button" aria-label="Clear the element filter">×</button></span>\n    <button type="button" id="f-clear">Clear filters</button>\n    <button type="button" id="expand-all">Expand all</button>\n    <span id="count" aria-live="polite"></span>\n  </div>\n'
    if (not (undefined(name='threats') if l_0_threats is missing else l_0_threats)):
        pass
        yield '  <p class="notice">No threats: every rule was checked against the model and none fired.</p>\n'
    yield '  <table id="threat-table">\n    <thead>\n      <tr>\n        <th data-sort="score" aria-sort="descending"><button type="button">Severity</button></th>\n        <th data-sort="id"><button type="button">Threat</button></th>\n        <th data-sort="rule"><button type="button">Rule</button></th>\n        <th data-sort="stride"><button type="button">STRIDE</button></th>\n        <th data-sort="target"><button type="button">Target</button></th>\n        <th data-sort="where"><button type="button">Model line</button></th>\n      </tr>\n    </thead>\n'
    l_1_loop = missing
    for l_1_row, l_1_loop in LoopContext((undefined(name='threats') if l_0_threats is missing else l_0_threats), undefined):
        l_1_lazy_details = resolve('lazy_details')
        l_1_t = l_1_s = missing
        _loop_vars = {}
        pass
        l_1_t = environment.getattr(l_1_row, 't')
        _loop_vars['t'] = l_1_t
        l_1_s = environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'severity')
        _loop_vars['s'] = l_1_s
        yield '    <tbody class="threat'
        yield escape((' accepted' if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'suppression') else cond_expr_undefined("the inline if-expression on line 50 in 'report/threats.html.j2' evaluated to false and no else section was defined.")))
        yield '" id="'
        yield escape(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'id'))
        yield '" data-order="'
        yield escape(environment.getattr(l_1_loop, 'index0'))
        yield '" data-id="'
        yield escape(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'id'))
        yield '" data-score="'
        yield escape(t_1('%.1f', environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'score')))
        yield '" data-level="'
        yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'level'))
        yield '" data-rule="'
        yield escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'id'))
        yield '" data-stride="'
        yield escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'stride'))
        yield '" data-target="'
        yield escape(t_2(context.eval_ctx, environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'target_names'), ', '))
        yield '" data-where="'
        yield escape(environment.getattr(l_1_row, 'where_key'))
        yield '" data-view="'
        yield escape(environment.getattr(l_1_row, 'view'))
        yield '" data-targets="'
        yield escape(environment.getattr(l_1_row, 'targets_json'))
        yield '" data-lines="'
        yield escape(environment.getattr(l_1_row, 'lines_json'))
        yield '" data-search="'
        yield escape(environment.getattr(l_1_row, 'search'))
        yield '">\n      <tr class="row" tabindex="0" aria-expanded="false">\n        <td><span class="badge sev-'
        yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'level'))
        yield '">'
        yield escape(environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'level'))
        yield '</span> <span class="score">'
        yield escape(t_1('%.1f', environment.getattr((undefined(name='s') if l_1_s is missing else l_1_s), 'score')))
        yield '</span>'
        if environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'suppression'):
            pass
            yield ' <span class="badge acc">accepted</span>'
        yield '</td>\n        <td><code>'
        yield escape(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'id'))
        yield '</code></td>\n        <td><b>'
        yield escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'id'))
        yield '</b> '
        yield escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'title'))
        yield '</td>\n        <td>'
        yield escape(environment.getattr(environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'rule'), 'stride'))
        yield '</td>\n        <td>'
        yield escape(t_2(context.eval_ctx, environment.getattr((undefined(name='t') if l_1_t is missing else l_1_t), 'target_names'), ', '))
        yield '</td>\n        <td><code>'
        yield escape(environment.getattr(l_1_row, 'where'))
        yield '</code></td>\n      </tr>\n      <tr class="detail" hidden>\n        <td colspan="6">\n'
        if (not (undefined(name='lazy_details') if l_1_lazy_details is missing else l_1_lazy_details)):
            pass
            yield escape(context.call((undefined(name='threat_detail') if l_0_threat_detail is missing else l_0_threat_detail), l_1_row, _loop_vars=_loop_vars))
            yield '\n'
        yield '        </td>\n      </tr>\n    </tbody>\n'
    l_1_loop = l_1_row = l_1_t = l_1_s = l_1_lazy_details = missing
    yield '  </table>\n</section>\n'

blocks = {}
debug_info = '2=34&9=41&10=45&15=51&16=55&19=61&22=64&23=68&33=75&47=80&48=85&49=87&50=90&52=118&53=128&54=130&55=134&56=136&57=138&61=140&62=142'
