"""One validator per format, registered by format name. Importing this package registers them all."""
from biostation.qc.validators import fastx  # noqa: F401
from biostation.qc.validators.base import REGISTRY, Context, register  # noqa: F401

for _name in ("alignment", "variants", "dicom", "tiff", "raster", "table", "structure", "chemistry"):
    try:
        __import__(f"biostation.qc.validators.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover - a module not written yet
        if _exc.name != f"biostation.qc.validators.{_name}":
            raise
