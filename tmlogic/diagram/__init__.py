"""Architecture diagrams: DOT from a model (dot.py), rendered to SVG/PNG by Graphviz (render.py)."""

from .dot import Diagram, TargetMark, build_diagram, target_marks

__all__ = ["Diagram", "TargetMark", "build_diagram", "target_marks"]
