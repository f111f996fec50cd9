"""Raw form -> typed Model, with every problem of the file reported at once.

Both readers stop at syntax; this module judges meaning for both: known keys and their
values, ids, duplicates and references. It never stops at the first problem: each check adds
a Diagnostic to the DiagnosticBag and carries on with what it could resolve, so one run shows
the user everything to fix.

Id scheme (documented in docs/model-language.md): an id is slug(name), prefixed by the
model's id_prefix ("" for the root, "backend/model.md#" for a submodel). Boundaries, elements,
data assets and flows share one namespace per model; they take their ids in that order, and
when a slug is already taken by an earlier group the later item gets "-element", "-data" or
"-flow" (then "-2", "-3"... if even that is taken). Two names of the *same* group with the
same slug ("App Server", "app-server") are a duplicate-name error.
"""

from __future__ import annotations

from ..._errors import SourceSpan
from ...diagnostics import DiagnosticBag, did_you_mean
from ..raw import RawDocument, RawEntry
from ..schema import Model
from ..vocabulary import SECTION_KINDS, SECTIONS, section_names
from .annotations import AnnotationsBuilder
from .architecture import ArchitectureBuilder
from .entries import BuildResult, SubmodelRef
from .threats import build_threats

__all__ = ["SubmodelRef", "BuildResult", "build_model"]


class _ModelBuilder(ArchitectureBuilder, AnnotationsBuilder):
    def build(self) -> BuildResult:
        doc, bag = self.doc, self.bag
        reader_errors = False
        for d in doc.diagnostics:
            if d.level.value == "warning":
                bag.warning(d.span, d.message, d.code, d.hint, d.notes)
            else:
                reader_errors = True
                bag.extend([d])
        groups: dict[str, list[RawEntry]] = {k: [] for k in SECTIONS}
        elements_raw: list[RawEntry] = []  # every element section, in document order
        kinds: dict[int, str] = {}
        parents: dict[int, RawEntry] = {}
        recognised = 0
        for section in doc.sections:
            if section.kind is None:
                known = list(SECTIONS) if self.yaml else section_names()
                hint = did_you_mean(section.heading, known) or "known sections: " + ", ".join(known)
                bag.warning(section.span, f"unknown section '{section.heading}' is ignored", "unknown-section", hint)
                continue
            recognised += 1
            for entry in section.entries:
                self.check_text(entry.name, entry.span, "name", allow_newline=False)
                groups[section.kind].append(entry)
                if section.kind in SECTION_KINDS:
                    elements_raw.append(entry)
                    kinds[id(entry)] = SECTION_KINDS[section.kind]
                if entry.parent is not None:
                    parents[id(entry)] = section.entries[entry.parent]
        if recognised == 0 and not reader_errors:
            bag.error(SourceSpan(doc.path, 1, 1), "no threat model found in this file", "empty-model",
                      "a model has sections such as '## Boundaries', '## Servers', '## Dataflows' "
                      "holding entries '- **Name**: key=value'")
        b_ids = self.assign("boundary", groups["boundaries"], self.boundary_ids)
        e_ids = self.assign("element", elements_raw, self.element_ids)
        d_ids = self.assign("data", groups["data"], self.data_ids)
        f_ids = self.assign("flow", groups["dataflows"], self.flow_ids)
        members: dict[str, tuple[str, SourceSpan]] = {}
        boundaries = self.boundaries(groups["boundaries"], b_ids, parents, members)
        elements = self.elements(elements_raw, e_ids, kinds, members)
        data = self.data(groups["data"], d_ids)
        flows = self.flows(groups["dataflows"], f_ids)
        model = Model(
            path=doc.path, title=doc.title, description=doc.description,
            boundaries=boundaries, elements=elements, data=data, flows=flows,
            protocol_styles=self.styles(groups["protocol_styles"]),
            multipliers=self.multipliers(groups["severity_multipliers"]),
            mitre_mappings=self.mitre(groups["custom_mitre_mapping"]),
            suppressions=self.suppressions(groups["accepted_threats"], {**b_ids, **e_ids, **d_ids, **f_ids}),
            threats=build_threats(self, groups["threats"]),
            id_prefix=self.prefix, title_span=doc.title_span,
        )
        return BuildResult(model, tuple(self.submodels))


def build_model(doc: RawDocument, bag: DiagnosticBag, *, id_prefix: str = "", lenient: bool = False) -> BuildResult:
    """Check a raw document and build its Model (without submodels; see loader.load_model).
    Problems go to `bag`; the Model holds everything that could be resolved. A likely typo of a
    security-relevant key is an error unless `lenient`."""
    return _ModelBuilder(doc, bag, id_prefix, lenient).build()
