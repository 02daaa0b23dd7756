"""A tuned model to keep and use elsewhere: the `.hdmodel` file (weights, architecture,
hyperparameters and the preprocessing fitted on the training data) and prediction on
raw inputs in any format Hyperdesk reads."""
