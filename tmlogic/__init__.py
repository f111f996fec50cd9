"""tmlogic: threat modeling as code on a logic engine."""

__version__ = "0.1.0"
__all__ = ["__version__"]
