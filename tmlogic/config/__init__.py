"""The project configuration, `.tmlogic.yaml`: which models to analyze and how, rule selection,
severity overrides, the gate, report formats and the risk file (see docs/configuration.md).

    find_config(start) -> Path | None        the nearest .tmlogic.yaml at or above `start`
    load_config(path) -> ProjectConfig       checked; raises ConfigError with every problem
    init_text() -> str                       the commented file `tmlogic init` writes
"""

from .loader import FORMAT_NAMES, ConfigError, find_config, load_config
from .settings import CONFIG_NAMES, ModelEntry, ProjectConfig, Settings
from .template import init_text

__all__ = ["CONFIG_NAMES", "FORMAT_NAMES", "ConfigError", "ModelEntry", "ProjectConfig", "Settings", "find_config",
           "init_text", "load_config"]
