"""Built-in module: the deadlines centre (待办/预警), fed by the plugins' ``deadlines`` hook."""
