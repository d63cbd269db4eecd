"""The floor terminal: a Textual app that talks to the site only through `stageterm.services`.

`app.StagetermApp` is the entry point (built by `stageterm.cli.run_app`); screens live in
`screens/`, reusable widgets in `widgets/`, styles in `styles/*.tcss`.
"""
