"""What the screens and the command line read: plain rows, never ORM objects, never a change.

- ``dossier_list``: the dossier list, filtered and sorted in SQL, a window at a time.
- ``customer_list``: the customer list, one customer's detail and card.
- ``worklist``: the actions worklist (every intervention to do).
- ``dossier_page``: one dossier with what its screen and forms need, and its history.
- ``views``: the command line's rows and JSON.
- ``lookup``: the palette's search for a dossier or a customer.
- ``filters``: what a list is asked for (plain values; imports nothing heavy).

Changes (the rules) live in the modules beside this package: ``engine.dossiers``,
``engine.interventions``…
"""
