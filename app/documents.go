package app

// Forms of a paper handed in, as form 01's column "Hình thức (bản chính,
// bản sao)" records them (Circular 01/2018 form 01; domain/README "Forms").
const (
	DocOriginal      = "original"
	DocCopy          = "copy"
	DocCertifiedCopy = "certified_copy"
)

// DocFormVi names a paper's form on form 01; "" when the desk did not say.
func DocFormVi(form string) string {
	switch form {
	case DocOriginal:
		return "Bản chính"
	case DocCopy:
		return "Bản sao"
	case DocCertifiedCopy:
		return "Bản sao chứng thực"
	}
	return ""
}

func validDocForm(form string) bool { return form == "" || DocFormVi(form) != "" }
