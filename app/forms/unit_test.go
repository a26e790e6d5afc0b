package forms

import "testing"

func TestUnitNames(t *testing.T) {
	for _, tc := range []struct {
		name, place, parent, office string
	}{
		{"Xã Yên Mô", "Yên Mô", "Ủy ban nhân dân xã Yên Mô", "Trung tâm Phục vụ hành chính công xã Yên Mô"},
		{"Phường Hoa Lư", "Hoa Lư", "Ủy ban nhân dân phường Hoa Lư", "Trung tâm Phục vụ hành chính công phường Hoa Lư"},
		{"Đặc khu Côn Đảo", "Côn Đảo", "Ủy ban nhân dân đặc khu Côn Đảo", "Trung tâm Phục vụ hành chính công đặc khu Côn Đảo"},
		{"Thị trấn Me", "Me", "Ủy ban nhân dân thị trấn Me", "Trung tâm Phục vụ hành chính công thị trấn Me"},
		{"Xãhội", "Xãhội", "Ủy ban nhân dân Xãhội", "Trung tâm Phục vụ hành chính công Xãhội"}, // no kind: as it is
	} {
		u := Unit{Name: tc.name}
		if got := u.Place(); got != tc.place {
			t.Errorf("Place(%q) = %q, want %q", tc.name, got, tc.place)
		}
		if got := u.Parent(); got != tc.parent {
			t.Errorf("Parent(%q) = %q, want %q", tc.name, got, tc.parent)
		}
		if got := u.Office(); got != tc.office {
			t.Errorf("Office(%q) = %q, want %q", tc.name, got, tc.office)
		}
	}
}
