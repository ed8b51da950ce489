"""Reading and writing movies: lazy readers for the field's formats behind one protocol.

``io`` never imports ``models``.
"""

from temdenoise.io.base import ArraySource, FrameSource
from temdenoise.io.metadata import Metadata
from temdenoise.io.open import SUPPORTED, open_source

__all__ = ["SUPPORTED", "ArraySource", "FrameSource", "Metadata", "open_source"]
