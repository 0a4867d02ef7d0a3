"""Helpers shared by the reading-group notebooks on AlexNet, GoogLeNet and ResNet.

Import it as ``import reading_group as rg``. One idea per module:

- running: `profiles` (profiles, settings, device, seeds, fast development run), `paths`
  (where files live), `data` (datasets as uint8 tensors), `batches` (augmented
  mini-batches), `train` (`fit`, and evaluation: `evaluate`, `mistakes`, `view_probs`,
  `mask_log_probs`);
- models: one module per paper's architecture (`alexnet`; `inception` with GoogLeNet;
  `auxiliary` heads; `resnet`), `small_nets` (the small nets and plain baselines the
  experiments train), `layers` (paper-era layers written out);
- measuring: `probes` (layer tables, FLOPs, gradient norms, sparsity), `timing`;
- showing: `plots`, `widgets` (explorers), `tables`, `source` (a function's code on the page);
- the series: `papers` (reference numbers), `verdicts` (claim records and tables),
  `fingerprints` (is a record current?), `exercises` (answer checks).
"""

from . import (
               alexnet,
               auxiliary,
               batches,
               data,
               exercises,
               fingerprints,
               inception,
               layers,
               papers,
               paths,
               plots,
               probes,
               profiles,
               resnet,
               small_nets,
               source,
               tables,
               timing,
               train,
               verdicts,
               widgets,
)
from .profiles import device, seed_everything, settings

__version__ = "0.1.0"
