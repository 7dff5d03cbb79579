"""Reports: the JSON document and its Markdown, HTML and diff renderings, reproducers."""
