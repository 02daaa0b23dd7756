"""The session config: TOML in, validated dataclasses out, and back to TOML.

Every problem in a config is collected and reported at once, each with its key path
(`search.space.lr.low: log scale needs a value > 0`), so a person fixes them in one go.
The package's modules: rules (what each key accepts), schema (the dataclasses), reading
(a raw table into a Config), checks (problems across keys), files (text, files and the
bundled examples). What the rest of Hyperdesk uses is named here."""

from hyperdesk.core.config.checks import run_problems
from hyperdesk.core.config.files import (
    apply_overrides,
    example_config,
    example_names,
    example_text,
    load,
    loads,
    loads_stored,
    parse_point,
    tomllib,
)
from hyperdesk.core.config.reading import from_dict
from hyperdesk.core.config.rules import (
    LOCAL_CLUSTER,
    SEARCHABLE,
    SEARCHABLE_TITLES,
    TLS_FILES,
    TRAIN_RULES,
    ConfigError,
    shown,
)
from hyperdesk.core.config.schema import (
    CodeConfig,
    Config,
    DataConfig,
    EarlyStopping,
    ModelConfig,
    RunConfig,
    SearchConfig,
    hidden_widths,
    param_to_dict,
)

__all__ = [
    "LOCAL_CLUSTER",
    "SEARCHABLE",
    "SEARCHABLE_TITLES",
    "TLS_FILES",
    "TRAIN_RULES",
    "CodeConfig",
    "Config",
    "ConfigError",
    "DataConfig",
    "EarlyStopping",
    "ModelConfig",
    "RunConfig",
    "SearchConfig",
    "apply_overrides",
    "example_config",
    "example_names",
    "example_text",
    "from_dict",
    "hidden_widths",
    "load",
    "loads",
    "loads_stored",
    "param_to_dict",
    "parse_point",
    "run_problems",
    "shown",
    "tomllib",
]
