"""Helpers shared by the reading-group notebooks on AlexNet, GoogLeNet and ResNet.

Import it as ``import reading_group as rg``. One idea per module: `profiles` (profiles,
settings, device, seeds), `data` (datasets as uint8 tensors), `batches` (augmented
mini-batches), `train` (`fit`, `evaluate`), `probes` (layer tables, gradient norms),
`plots`, `widgets` (explorers), `papers` (reference numbers), `verdicts` (claim records),
`exercises` (answer checks), `timing`, `layers`, `models`, `tables`, `source`.
"""

from . import (batches, data, exercises, layers, models, papers, plots, probes, profiles,
               source, tables, timing, train, verdicts, widgets)
from .profiles import device, seed_everything, settings

__version__ = "0.1.0"
