"""The access audit (访问审计): who searched, viewed or exported archived content, when and why.
Append-only, like the archive itself: database triggers refuse UPDATE and DELETE."""
