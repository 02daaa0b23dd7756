"""A small convolutional network in PyTorch (CPU) on the MNIST images bundled with
Hyperdesk, tuned by Hyperdesk: see torch-mnist.toml beside it. PyTorch is not a
dependency of Hyperdesk: pip install torch (the CPU wheel is enough)."""

import numpy as np
import torch
from torch import nn

from hyperdesk.core.config import DataConfig
from hyperdesk.core.data.sources import load_data


def fit(params, trial):
    torch.manual_seed(trial.seed)
    torch.set_num_threads(1)  # Hyperdesk runs a trial per core
    images = load_data(DataConfig(dataset="mnist-10k"))
    x = torch.from_numpy(images.x.reshape(-1, 1, 28, 28) / np.float32(255))
    y = torch.from_numpy(images.y)
    order = np.random.default_rng(0).permutation(len(y))  # the same split for every trial
    train, val = order[: params["samples"]], order[-2000:]
    model = nn.Sequential(
        nn.Conv2d(1, params["channels"], 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(params["channels"] * 14 * 14, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9)
    loss_of = nn.CrossEntropyLoss()
    shuffle = np.random.default_rng(trial.seed)
    for epoch in range(1, params["epochs"] + 1):
        model.train()
        for batch in np.array_split(shuffle.permutation(train), len(train) // 64):
            optimizer.zero_grad()
            loss = loss_of(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            figures = {}
            for part, rows in (("train", train), ("val", val)):
                scores = model(x[rows])
                figures[f"{part}_loss"] = float(loss_of(scores, y[rows]))
                figures[f"{part}_acc"] = float((scores.argmax(1) == y[rows]).float().mean())
        trial.report(epoch, **figures)
        if trial.should_stop():
            return None
    return None
