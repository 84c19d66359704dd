"""Pure data and functions, standard library only: the endpoint table (endpoints.py),
frame sizes and prices (cost.py), fal's own argument check (validation.py), the option
table (options.py), `{{name}}` templates (template.py), parsing a cell into a
GenerationRequest (parse.py, rules.py, request.py) or keyword options into one
(keywords.py), the plan of a request (plan.py), grids (grid.py), input fields and
formats (inputs.py, formats.py), providers (providers.py and their wire_*.py), job
states (states.py), the studio's form (form.py), the prompt's @Image1 names against the
inputs (references.py) and the prompt coach (coach.py, coach_words.py, hints.py)."""
