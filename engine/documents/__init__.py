"""Documents: letters of a dossier's steps, preventive reminders and statements.

The path of a document, one module each:

- ``templates``: the template texts (built-in ones in ``builtin/``, the company's own in the
  ``document_template`` table, versioned), rendered by Jinja2's sandbox with strict
  undefined: a template never runs code nor reads a file, an unknown placeholder is an error.
- ``context``: the placeholders of one letter (company, customer, contact, dossier, agent,
  open items, totals, charges, interest accrued, rate, indemnity, today), read from the
  database on the letter's day and formatted in the document's language.
- ``letter``: what a rendered template becomes, :class:`Letter` — sender, recipient,
  place and date, object line, paragraphs and tables, signatory, payment details — and the
  markup that splits a rendered text into those parts.
- ``pdf``, ``plain``, ``epc``, ``mail``: one :class:`Letter` as an A4 PDF, as plain text,
  its EPC payment QR code, as an e-mail written to the outbox and sent over SMTP.
- ``produce``: makes a document for a customer, dossier or intervention and keeps it in
  the ``document`` table with its day, channel, template and version, and who made it.
"""
