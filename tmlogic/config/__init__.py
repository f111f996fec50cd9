"""The project configuration, `.tmlogic.yaml`: which models to analyze and how, rule selection,
severity overrides, the gate, report formats and the risk file (see docs/configuration.md).

    find_config(start) -> Path | None        the nearest .tmlogic.yaml at or above `start`
    load_config(path) -> ProjectConfig       checked; raises ConfigError with every problem
    init_text() -> str                       the commented file `tmlogic init` writes

Each name loads with its module on first use: finding no configuration file (most runs) does
not import the loader, nor the YAML parser it reads with.
"""

from ..lazy import lazy_names
from ..typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from .find import find_config
    from .loader import FORMAT_NAMES, ConfigError, load_config
    from .settings import CONFIG_NAMES, ModelEntry, ProjectConfig, Settings
    from .template import init_text

# name -> the module that defines it
__getattr__ = lazy_names(__name__, globals(), {
    "find_config": "find",
    **dict.fromkeys(("FORMAT_NAMES", "ConfigError", "load_config"), "loader"),
    **dict.fromkeys(("CONFIG_NAMES", "ModelEntry", "ProjectConfig", "Settings"), "settings"),
    "init_text": "template",
})


__all__ = ["CONFIG_NAMES", "FORMAT_NAMES", "ConfigError", "ModelEntry", "ProjectConfig", "Settings", "find_config",
           "init_text", "load_config"]
