"""``python -m servopt.optimizer.cli``: the ``servopt`` command."""

if __name__ == "__main__":  # pragma: no cover
    from servopt.optimizer.cli import main

    main()
