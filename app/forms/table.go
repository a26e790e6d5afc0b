package forms

// col is a table column: its heading, width (mm) and alignment of its cells.
type col struct {
	head  string
	w     float64
	align string // L, C or R
}

const lineH = 4.6 // mm per line of table text at 9 pt

// table prints a grid with a bold heading row repeated on every page, each
// row as tall as its longest cell. size is the font size of the body.
func (d *doc) table(cols []col, rows [][]string, size float64) {
	lh := lineH * size * d.scale / 9
	d.tableHead(cols, size, lh)
	for _, r := range rows {
		d.font("", size)
		h := d.rowHeight(cols, r, lh)
		if d.GetY()+h > d.pageBottom() {
			d.AddPage()
			d.tableHead(cols, size, lh)
			d.font("", size)
		}
		d.row(cols, r, h, lh, "")
	}
}

func (d *doc) tableHead(cols []col, size, lh float64) {
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
	}
	d.font("B", size)
	d.SetFillColor(235, 235, 235)
	hc := make([]col, len(cols))
	for i, c := range cols {
		hc[i] = col{w: c.w, align: "C"}
	}
	d.row(hc, heads, d.rowHeight(hc, heads, lh), lh, "F")
}

func (d *doc) rowHeight(cols []col, r []string, lh float64) float64 {
	n := 1
	for i, c := range cols {
		if i < len(r) {
			n = max(n, len(d.SplitText(r[i], c.w)))
		}
	}
	return float64(n)*lh + 1.4
}

// row prints one row of cells of height h, each cell's lines from its top.
func (d *doc) row(cols []col, r []string, h, lh float64, fill string) {
	x, y := d.left, d.GetY()
	d.SetLineWidth(0.2)
	for i, c := range cols {
		style := "D"
		if fill != "" {
			style = "FD"
		}
		d.Rect(x, y, c.w, h, style)
		if i < len(r) {
			lines := d.SplitText(r[i], c.w)
			top := y + 0.7
			if fill != "" { // headings are centred vertically
				top = y + (h-float64(len(lines))*lh)/2
			}
			for k, line := range lines {
				d.SetXY(x, top+float64(k)*lh)
				d.CellFormat(c.w, lh, line, "", 0, c.align, false, 0, "")
			}
		}
		x += c.w
	}
	d.SetXY(d.left, y+h)
}

// fit scales the flexible column (w 0) to fill the text width.
func (d *doc) fit(cols []col) []col {
	fixed := 0.0
	flex := -1
	for i, c := range cols {
		if c.w == 0 {
			flex = i
		}
		fixed += c.w
	}
	if flex >= 0 {
		cols[flex].w = d.width - fixed
	}
	return cols
}
