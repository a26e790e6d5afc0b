# Printed forms and reports (app/forms, app/api/documents.go): their tests
# read the PDFs back with poppler (pdftotext, pdftoppm, pdfinfo) and decode
# the receipt's QR code with zbarimg. In CI (CI=true) a skipped PDF test
# would hide a missing package, so XASO_PDF_REQUIRED=1 turns the skips into
# failures. Included by the Makefile; `make test` runs deps-pdf first.
.PHONY: deps-pdf bench-forms

ifeq ($(CI),true)
export XASO_PDF_REQUIRED := 1
endif

deps-pdf:
	$(call apt,poppler-utils zbar-tools)

# bench-forms prints the figures: time to render a receipt PDF, and the
# progress report over a year of 20,000 dossiers (and one month of it).
bench-forms: deps-go
	go test -run '^$$' -bench 'RenderReceipt|ProgressReportYear' -benchtime 10x -timeout 20m ./app/forms/ ./app/ | grep -E '^(Benchmark|ok|FAIL)'

EXTRA_BENCH += bench-forms
