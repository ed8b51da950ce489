"""Reading and writing movies: lazy readers for the field's formats behind one protocol.

``io`` never imports ``models``.
"""

from temdenoise.io.base import ArraySource, FrameSink, FrameSource
from temdenoise.io.metadata import Metadata
from temdenoise.io.open import SUPPORTED, open_source
from temdenoise.io.staging import Staging, output_format

__all__ = [
    "SUPPORTED",
    "ArraySource",
    "FrameSink",
    "FrameSource",
    "Metadata",
    "Staging",
    "open_source",
    "output_format",
]
