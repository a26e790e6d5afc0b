// Package storetest makes realistic command streams for benchmarks and
// load tests: dossiers of a commune over a year, with Vietnamese names.
package storetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"xaso/app"
)

var (
	family = []string{"Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
		"Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Tạ"}
	middle = []string{"Văn", "Văn", "Thị", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Xuân", "Thu", "Hoài", "Bảo",
		"Gia", "Khánh", "Phương", "Kim", "Tiến", "Công"}
	given = []string{"An", "Anh", "Bình", "Cường", "Dũng", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
		"Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm",
		"Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến", "Đạt", "Ánh", "Thủy"}
	procs = []app.ProcedureRef{
		{Code: "1.001193", Name: "Đăng ký khai sinh", Version: "2025.07-default", Rule: app.DeadlineRule{Kind: "same_day"}},
		{Code: "2.000815", Name: "Chứng thực bản sao từ bản chính", Version: "2025.07-default", Rule: app.DeadlineRule{Kind: "same_day"}},
		{Code: "1.004873", Name: "Xác nhận tình trạng hôn nhân", Version: "2025.07-default", Rule: app.DeadlineRule{Kind: "working_hours", Hours: 24}},
	}
)

// Name returns a plausible Vietnamese full name.
func Name(r *rand.Rand) string {
	return family[r.IntN(len(family))] + " " + middle[r.IntN(len(middle))] + " " + given[r.IntN(len(given))]
}

// Dossiers returns n receive commands spread over the days before end
// (at most 9,999 a day, as dossier codes allow), and for about half of them
// the actions that carried them to "returned". Deterministic for a seed.
func Dossiers(n int, seed uint64, end time.Time) []app.Command {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	perDay := max(1, min(9999, n/365+1))
	cmds := make([]app.Command, 0, n*2)
	for i := range n {
		day := i / perDay
		at := end.AddDate(0, 0, -day).Add(-time.Duration(perDay-i%perDay) * time.Second)
		id := fmt.Sprintf("bench-%s-%08d", fmt.Sprint(seed), i)
		p := procs[r.IntN(len(procs))]
		body := &app.ReceiveBody{DossierID: id, Code: app.FormatCode("000.00.31.H42", at, i%perDay+1), Slot: 0, Seq: i%perDay + 1,
			Procedure: p, Channel: app.ChannelInPerson,
			Applicant: app.Applicant{FullName: Name(r), IDNumber: fmt.Sprintf("037%09d", r.IntN(1e9)),
				DateOfBirth: "1990-05-01", Phone: fmt.Sprintf("09%08d", r.IntN(1e8)), Address: "Xã Yên Mô, tỉnh Ninh Bình"},
			Documents:  []app.Document{{Name: "Tờ khai", Copies: 1}},
			ReceivedAt: at, DueAt: at.Add(48 * time.Hour)}
		c, err := app.NewCommand(id, app.KindDossierReceive, "desk", "nbench", app.MakeHLC(at.UnixMilli(), 0), body)
		if err != nil {
			panic(err)
		}
		cmds = append(cmds, c)
		if day > 3 && r.IntN(2) == 0 {
			for k, a := range []app.Action{app.ActForward, app.ActResolve, app.ActReturn} {
				ac, err := app.NewCommand(fmt.Sprintf("%s-a%d", id, k), app.KindDossierAct, "officer", "nbench",
					app.MakeHLC(at.Add(time.Duration(k+1)*time.Hour).UnixMilli(), 0), &app.ActBody{DossierID: id, Action: a})
				if err != nil {
					panic(err)
				}
				cmds = append(cmds, ac)
			}
		}
	}
	return cmds
}
