# Generated from templates/summary.md.j2 by tmlogic.outputs.template_compiler; do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'summary.md.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_summary = resolve('summary')
    l_0_top = resolve('top')
    l_0_badges = resolve('badges')
    l_0_title = resolve('title')
    l_0_model_path = resolve('model_path')
    l_0_rule_count = resolve('rule_count')
    l_0_ci = resolve('ci')
    l_0_paths = resolve('paths')
    l_0_top_more = resolve('top_more')
    l_0_accepted = resolve('accepted')
    l_0_detailed = resolve('detailed')
    l_0_named = resolve('named')
    l_0_version = resolve('version')
    l_0_s = missing
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
    try:
        t_4 = environment.filters['md']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'md' found.")
    try:
        t_5 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    l_0_s = (undefined(name='summary') if l_0_summary is missing else l_0_summary)
    context.vars['s'] = l_0_s
    context.exported_vars.add('s')
    yield '### '
    yield str((environment.getitem((undefined(name='badges') if l_0_badges is missing else l_0_badges), environment.getattr(environment.getattr(environment.getattr(environment.getitem((undefined(name='top') if l_0_top is missing else l_0_top), 0), 'threat'), 'severity'), 'level')) if (undefined(name='top') if l_0_top is missing else l_0_top) else ('✅' if (environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'total') == 0) else '⚠️')))
    yield ' tmlogic: '
    yield str(t_4((undefined(name='title') if l_0_title is missing else l_0_title)))
    yield '\n\n**'
    yield str(context.call(environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'headline')))
    yield '** in '
    yield str(t_4((undefined(name='model_path') if l_0_model_path is missing else l_0_model_path)))
    yield ' ('
    yield str((undefined(name='rule_count') if l_0_rule_count is missing else l_0_rule_count))
    yield ' rules checked)\n'
    if (undefined(name='ci') if l_0_ci is missing else l_0_ci):
        pass
        yield '\n'
        if (not t_5(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'failing'))):
            pass
            if environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'failing'):
                pass
                yield '❌ **'
                yield str(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'failing'))
                yield ' threat'
                yield str(('s' if (environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'failing') != 1) else cond_expr_undefined("the inline if-expression on line 8 in 'summary.md.j2' evaluated to false and no else section was defined.")))
                yield ' fail'
                yield str(('s' if (environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'failing') == 1) else cond_expr_undefined("the inline if-expression on line 8 in 'summary.md.j2' evaluated to false and no else section was defined.")))
                yield ' the build**'
            else:
                pass
                yield '✅ **No threat fails the build**'
            yield ' (fail-on '
            yield str(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'fail_on'))
            yield str((', new only' if environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'new_only') else cond_expr_undefined("the inline if-expression on line 8 in 'summary.md.j2' evaluated to false and no else section was defined.")))
            yield ').'
        if environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'baseline'):
            pass
            yield ' Since '
            yield str(t_4(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'baseline')))
            yield ': '
            yield str(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'new'))
            yield ' new, '
            yield str(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'updated'))
            yield ' changed, '
            yield str(environment.getattr((undefined(name='ci') if l_0_ci is missing else l_0_ci), 'resolved'))
            yield ' resolved.'
        yield '\n'
    yield '\n'
    if environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'total'):
        pass
        yield '| severity | threats |\n|---|---:|\n'
        def t_6(fiter):
            for (l_1_level, l_1_n) in fiter:
                if l_1_n:
                    yield (l_1_level, l_1_n)
        for (l_1_level, l_1_n) in t_6(environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'by_severity')):
            _loop_vars = {}
            pass
            yield '| '
            yield str(environment.getitem((undefined(name='badges') if l_0_badges is missing else l_0_badges), l_1_level))
            yield ' '
            yield str(l_1_level)
            yield ' | '
            yield str(l_1_n)
            yield ' |\n'
        l_1_level = l_1_n = missing
        yield '\n**By STRIDE:** '
        l_1_loop = missing
        for (l_1_cat, l_1_n), l_1_loop in LoopContext(environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'by_stride'), undefined):
            _loop_vars = {}
            pass
            yield str(l_1_cat)
            yield ' '
            yield str(l_1_n)
            yield str((' · ' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 20 in 'summary.md.j2' evaluated to false and no else section was defined.")))
        l_1_loop = l_1_cat = l_1_n = missing
        yield '\n\n'
    if ((undefined(name='paths') if l_0_paths is missing else l_0_paths) and environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'baseline')):
        pass
        yield '#### '
        yield str(('🚨 New paths to crown jewels' if (environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'new_paths') or environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'newly_reachable')) else '✅ No new paths to crown jewels'))
        yield ' (against '
        yield str(t_4(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'baseline')))
        yield ')\n\n'
        for l_1_name in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'newly_reachable'):
            _loop_vars = {}
            pass
            yield '- **newly reachable:** '
            yield str(t_4(l_1_name))
            yield '\n'
        l_1_name = missing
        for l_1_n in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'new_paths')[:20]:
            _loop_vars = {}
            pass
            yield '- `'
            yield str(environment.getattr(environment.getattr(l_1_n, 'path'), 'id'))
            yield '` to **'
            yield str(t_4(environment.getattr(l_1_n, 'goal')))
            yield '**, '
            yield str(environment.getattr(environment.getattr(l_1_n, 'path'), 'likelihood'))
            yield ' ('
            yield str(t_1('%.3g', environment.getattr(environment.getattr(l_1_n, 'path'), 'probability')))
            yield '), from '
            yield str(t_4(environment.getattr(l_1_n, 'entry')))
            yield ', '
            yield str(environment.getattr(environment.getattr(l_1_n, 'path'), 'length'))
            yield ' steps'
            if environment.getattr(l_1_n, 'moves'):
                pass
                yield ': '
                yield str(t_4(t_2(context.eval_ctx, environment.getattr(l_1_n, 'moves'), ' → ')))
            yield '\n'
        l_1_n = missing
        if (t_3(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'new_paths')) > 20):
            pass
            yield '- …and '
            yield str((t_3(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'new_paths')) - 20))
            yield ' more: `tmlogic paths MODEL --baseline '
            yield str(t_4(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'baseline')))
            yield '`\n'
        for l_1_name in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'no_longer_reachable'):
            _loop_vars = {}
            pass
            yield '- no longer reachable: '
            yield str(t_4(l_1_name))
            yield '\n'
        l_1_name = missing
        yield '\n'
    if (undefined(name='top') if l_0_top is missing else l_0_top):
        pass
        yield '#### Critical and high\n| | threat | rule | target | model line |\n|---|---|---|---|---|\n'
        for l_1_r in (undefined(name='top') if l_0_top is missing else l_0_top):
            _loop_vars = {}
            pass
            yield '| '
            yield str(environment.getattr(l_1_r, 'badge'))
            yield ' '
            yield str(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'level'))
            yield ' '
            yield str(t_1('%.1f', environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'score')))
            yield ' | `'
            yield str(environment.getattr(environment.getattr(l_1_r, 'threat'), 'id'))
            yield '` | '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'id')))
            yield ' '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'title')))
            yield ' | '
            yield str(t_4(t_2(context.eval_ctx, environment.getattr(environment.getattr(l_1_r, 'threat'), 'target_names'), ', ')))
            yield ' | '
            yield str(t_4(environment.getattr(l_1_r, 'where')))
            yield ' |\n'
        l_1_r = missing
        if (undefined(name='top_more') if l_0_top_more is missing else l_0_top_more):
            pass
            yield '\n…and '
            yield str((undefined(name='top_more') if l_0_top_more is missing else l_0_top_more))
            yield ' more critical or high threats, listed below.\n'
        yield '\n'
    elif (environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'total') == 0):
        pass
        yield 'No threats: every rule was checked against the model and none fired'
        yield str((' (accepted ones are listed below)' if (undefined(name='accepted') if l_0_accepted is missing else l_0_accepted) else cond_expr_undefined("the inline if-expression on line 55 in 'summary.md.j2' evaluated to false and no else section was defined.")))
        yield '.\n\n'
    if ((undefined(name='detailed') if l_0_detailed is missing else l_0_detailed) or (undefined(name='named') if l_0_named is missing else l_0_named)):
        pass
        yield '<details>\n<summary>All '
        yield str(environment.getattr((undefined(name='s') if l_0_s is missing else l_0_s), 'total'))
        yield ' threats: what, where and how to fix</summary>\n\n'
        l_1_loop = missing
        for l_1_r, l_1_loop in LoopContext((undefined(name='detailed') if l_0_detailed is missing else l_0_detailed), undefined):
            _loop_vars = {}
            pass
            yield '##### '
            yield str(environment.getattr(l_1_r, 'badge'))
            yield ' `'
            yield str(environment.getattr(environment.getattr(l_1_r, 'threat'), 'id'))
            yield '` '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'id')))
            yield ': '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'title')))
            yield '\n'
            yield str(t_4(environment.getattr(environment.getattr(l_1_r, 'threat'), 'message')))
            yield '\n\n- **Where:** '
            yield str(t_4(environment.getattr(l_1_r, 'where')))
            yield ' · **STRIDE:** '
            yield str(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'stride'))
            yield ' · **Severity:** '
            yield str(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'level'))
            yield ' '
            yield str(t_1('%.1f', environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'score')))
            yield ' (impact '
            yield str(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'impact'))
            yield ', likelihood '
            yield str(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'severity'), 'likelihood'))
            yield ')\n- **Fix:** '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'mitigation')))
            yield '\n'
            if environment.getattr(l_1_r, 'refs'):
                pass
                yield '- **References:** '
                l_2_loop = missing
                for l_2_ref, l_2_loop in LoopContext(environment.getattr(l_1_r, 'refs'), undefined):
                    _loop_vars = {}
                    pass
                    if environment.getattr(l_2_ref, 'url'):
                        pass
                        yield '['
                        yield str(environment.getattr(l_2_ref, 'id'))
                        yield ']('
                        yield str(environment.getattr(l_2_ref, 'url'))
                        yield ')'
                    else:
                        pass
                        yield str(t_4(environment.getattr(l_2_ref, 'id')))
                    yield str((', ' if (not environment.getattr(l_2_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 69 in 'summary.md.j2' evaluated to false and no else section was defined.")))
                l_2_loop = l_2_ref = missing
                yield '\n'
            yield '\n'
        l_1_loop = l_1_r = missing
        if (undefined(name='named') if l_0_named is missing else l_0_named):
            pass
            if (undefined(name='detailed') if l_0_detailed is missing else l_0_detailed):
                pass
                yield 'Also:\n'
            for l_1_r in (undefined(name='named') if l_0_named is missing else l_0_named)[:200]:
                _loop_vars = {}
                pass
                yield '- '
                yield str(environment.getattr(l_1_r, 'badge'))
                yield ' `'
                yield str(environment.getattr(environment.getattr(l_1_r, 'threat'), 'id'))
                yield '` '
                yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'id')))
                yield ' on '
                yield str(t_4(t_2(context.eval_ctx, environment.getattr(environment.getattr(l_1_r, 'threat'), 'target_names'), ', ')))
                yield ' ('
                yield str(t_4(environment.getattr(l_1_r, 'where')))
                yield ')\n'
            l_1_r = missing
            if (t_3((undefined(name='named') if l_0_named is missing else l_0_named)) > 200):
                pass
                yield '- …and '
                yield str((t_3((undefined(name='named') if l_0_named is missing else l_0_named)) - 200))
                yield ' more: see the HTML report\n'
            yield '\n'
        yield '</details>\n\n'
    if (undefined(name='accepted') if l_0_accepted is missing else l_0_accepted):
        pass
        yield '<details>\n<summary>Accepted in the model ('
        yield str(t_3((undefined(name='accepted') if l_0_accepted is missing else l_0_accepted)))
        yield ')</summary>\n\n'
        for l_1_r in (undefined(name='accepted') if l_0_accepted is missing else l_0_accepted)[:200]:
            _loop_vars = {}
            pass
            yield '- `'
            yield str(environment.getattr(environment.getattr(l_1_r, 'threat'), 'id'))
            yield '` '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'rule'), 'id')))
            yield ' on '
            yield str(t_4(t_2(context.eval_ctx, environment.getattr(environment.getattr(l_1_r, 'threat'), 'target_names'), ', ')))
            yield ': '
            yield str(t_4(environment.getattr(environment.getattr(environment.getattr(l_1_r, 'threat'), 'suppression'), 'reason')))
            yield '\n'
        l_1_r = missing
        yield '\n</details>\n\n'
    if (undefined(name='paths') if l_0_paths is missing else l_0_paths):
        pass
        yield '<details>\n<summary>Attack paths: '
        yield str(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'reachable'))
        yield ' of '
        yield str(t_3(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'goals')))
        yield ' crown jewels reachable from '
        yield str(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'attackers'))
        yield ' attacker entry points</summary>\n\n| crown jewel | holds | paths | most likely | from | choke point | fix first |\n|---|---|---:|---|---|---|---|\n'
        for l_1_g in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'goals')[:25]:
            _loop_vars = {}
            pass
            yield '| '
            yield str(t_4(environment.getattr(l_1_g, 'name')))
            yield ' | '
            yield str(t_4(environment.getattr(l_1_g, 'holds')))
            yield ' | '
            yield str(environment.getattr(l_1_g, 'paths'))
            yield ' | '
            if environment.getattr(l_1_g, 'best'):
                pass
                yield str(environment.getattr(environment.getattr(l_1_g, 'best'), 'likelihood'))
                yield ' ('
                yield str(t_1('%.3g', environment.getattr(environment.getattr(l_1_g, 'best'), 'probability')))
                yield ')'
            else:
                pass
                yield 'not reachable'
            yield ' | '
            yield str(t_4(environment.getattr(l_1_g, 'entry')))
            yield ' | '
            yield str(t_4((t_2(context.eval_ctx, environment.getattr(l_1_g, 'cut_changes'), '; ') if environment.getattr(l_1_g, 'cut_changes') else environment.getattr(l_1_g, 'cut_head'))))
            yield ' | '
            yield str(t_4((t_2(context.eval_ctx, environment.getattr(l_1_g, 'known_changes'), '; ') if environment.getattr(l_1_g, 'known_changes') else environment.getattr(l_1_g, 'known_head'))))
            yield ' |\n'
        l_1_g = missing
        if (t_3(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'goals')) > 25):
            pass
            yield '\n…and '
            yield str((t_3(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'goals')) - 25))
            yield ' more goals: `tmlogic paths MODEL`.\n'
        yield '\n**Every goal together:** '
        yield str(t_4((t_2(context.eval_ctx, environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'all_goals_changes'), '; ') if environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'all_goals_changes') else environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'all_goals_head'))))
        yield '\n'
        if environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'top_controls'):
            pass
            yield '\n**Single changes that stop the most listed paths (of '
            yield str(environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'listed'))
            yield '):**\n'
            for (l_1_text, l_1_n) in environment.getattr((undefined(name='paths') if l_0_paths is missing else l_0_paths), 'top_controls'):
                _loop_vars = {}
                pass
                yield '- '
                yield str(l_1_n)
                yield ': '
                yield str(t_4(l_1_text))
                yield '\n'
            l_1_text = l_1_n = missing
        yield '\n</details>\n\n'
    yield '<sub>tmlogic '
    yield str((undefined(name='version') if l_0_version is missing else l_0_version))
    yield ' · `tmlogic explain MODEL THREAT_ID` shows why a threat was raised</sub>\n'

blocks = {}
debug_info = '2=55&3=59&5=63&6=69&8=72&9=90&13=103&16=106&17=114&20=123&24=132&25=135&27=139&28=143&30=146&31=150&34=168&35=171&37=175&38=179&42=183&46=186&47=190&49=207&51=210&54=213&55=216&58=218&60=221&62=224&63=228&64=236&66=238&67=250&68=252&69=256&74=274&75=276&78=279&79=283&81=294&82=297&89=301&91=304&93=306&94=310&100=320&102=323&106=329&107=333&109=356&111=359&114=362&115=364&117=367&118=369&119=373&126=380'
