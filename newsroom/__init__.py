"""The newsroom's core: the entity list, the item rules, the identity rules, the typed errors and
DynamoDB access, shared by the Lambda entry points (`handlers/`), the infrastructure (`infra/`),
the local stack (`devstack/`), the migration (`tools/`) and the benchmarks (`bench/`).

The ground floor: nothing here imports from those folders, and nothing here reads the
platform's configuration (which tables, which API, which distribution) from the process
environment: the tables travel as a `Tables` value (newsroom/tables.py), built once by each entry
point, the rest as arguments. Only the SDK's and Powertools' own variables apply here.
"""
