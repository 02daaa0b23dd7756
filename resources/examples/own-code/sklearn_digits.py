"""scikit-learn's SGDClassifier on the handwritten digits scikit-learn ships, one pass
over the training rows per epoch (partial_fit), tuned by Hyperdesk: see
sklearn-digits.toml beside it, and "Your own training code" in the README."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def fit(params, trial):
    x, y = load_digits(return_X_y=True)
    # The split is the same for every trial; the trial's seed shuffles and initialises.
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDClassifier(
        loss="log_loss",
        alpha=params["alpha"],
        learning_rate="constant",
        eta0=params["eta0"],
        random_state=trial.seed,
    )
    classes = np.unique(y)
    shuffle = np.random.default_rng(trial.seed)
    for epoch in range(1, params["epochs"] + 1):
        order = shuffle.permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        trial.report(
            epoch,
            train_loss=log_loss(y_train, model.predict_proba(x_train), labels=classes),
            val_loss=log_loss(y_val, model.predict_proba(x_val), labels=classes),
            train_acc=model.score(x_train, y_train),
            val_acc=model.score(x_val, y_val),
        )
        if trial.should_stop():
            return None
    return None
