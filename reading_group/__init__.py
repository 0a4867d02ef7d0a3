"""Helpers shared by the reading-group notebooks on AlexNet, GoogLeNet and ResNet.

Import it as ``import reading_group as rg``. One idea per module: `profiles` (profiles,
settings, device, seeds), `data` (datasets as uint8 tensors), `batches` (augmented
mini-batches), `train` (`fit`, `evaluate`), `probes` (layer tables, gradient norms),
`plots`, `widgets` (explorers), `papers` (reference numbers), `verdicts` (claim records),
`exercises` (answer checks), `timing`, `layers` (paper-era layers written out), `models`
(small nets of the early notebooks), one module per paper's architecture (`alexnet`,
`inception` with GoogLeNet, `auxiliary` heads, `resnet`), `tables`, `source`.
"""

from . import (alexnet, auxiliary, batches, data, exercises, inception, layers, papers,
               paths, plots, probes, profiles, resnet, small_nets, source, tables, timing,
               train, verdicts, widgets)
from .profiles import device, seed_everything, settings

__version__ = "0.1.0"
