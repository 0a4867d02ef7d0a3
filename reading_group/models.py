"""Models shared by the notebooks, written so their layers read like the papers' tables.

This module grows with the notebooks; for now it holds the small CNN the tests and
notebook 00 train.
"""

from __future__ import annotations

import torch.nn as nn


class SmallCNN(nn.Module):
    """Two conv-ReLU-max-pool stages and a linear classifier, for 32x32 RGB inputs.

    Not from any of the papers: a small, fast reference net for smoke runs and tests.
    """

    def __init__(self, width: int = 16, n_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(2 * width * 8 * 8, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
