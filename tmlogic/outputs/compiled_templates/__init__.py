"""The shipped jinja2 templates, compiled ahead of time (tmlogic/outputs/template_compiler.py
writes this folder: `make templates`; do not edit)."""

from __future__ import annotations

JINJA2_VERSION = '3.1.6'
# (environment kind, template name) -> (module in this package, sha256 of the template's source)
TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {
    ('html', 'report.html.j2'): ('html_report_html_j2', '69789929e3c5d83165d7651915ac1b5dbe58cf24fa4d108a60a7c84faff1c00a'),
    ('html', 'report/counts.html.j2'): ('html_report_counts_html_j2', 'b4885e908c6f7d14eca109249387c12d54c0b13783fff6653f95da3968537876'),
    ('html', 'report/detail.html.j2'): ('html_report_detail_html_j2', 'dd42490b73403079714631482c9abfb6221219cc28fc408059dee61d7dd8a6d7'),
    ('html', 'report/diagram.html.j2'): ('html_report_diagram_html_j2', 'd85abbe2d5ed9101c2ca6220366b460faab89329473e959b1d7ad9a23ea2f8aa'),
    ('html', 'report/paths.html.j2'): ('html_report_paths_html_j2', 'a50aa3152740b9dc0284e8faaca788d4bd3278fa1cd484177dc589ef8b0e1328'),
    ('html', 'report/proof.html.j2'): ('html_report_proof_html_j2', '83e8e19fb4af5f1dd13419ba21d8b59ded00c182cfcf1e8b3a7bf134e2f0f660'),
    ('html', 'report/threats.html.j2'): ('html_report_threats_html_j2', '0964c5bf92a831f3a67955e5e2bb8007c4f9b44ba04ae25cc12d549991ece609'),
    ('html', 'serve/diff.html.j2'): ('html_serve_diff_html_j2', '297f80a3238c4d549ff7b6a318086c90125a8537ccbea0213c98e525241ee98c'),
    ('html', 'serve/page.html.j2'): ('html_serve_page_html_j2', '6a73518e7bc90381084ae2d9e0731b367e3282c4d81a6d74f2a259f2b67272a5'),
    ('markdown', 'summary.md.j2'): ('markdown_summary_md_j2', '76fde3bdf704c0ec560f56dbaeb7af6e402a4e6c7a47f888aeef7e2ad467e19b'),
}
