package forms

import (
	"strings"

	"xaso/app"
)

// noticeEvent is the lifecycle action each notice is issued for.
var noticeEvent = map[string]app.Action{
	Supplement: app.ActRequestSupplement,
	Refusal:    app.ActRefuse,
	Apology:    app.ActApologize,
	StopNotice: app.ActStop,
}

// notice prints forms 02–05: the letters the office sends the citizen when
// it asks for more papers, refuses a dossier, apologises for a delay with a
// new date, or stops processing. Each is printed from the history event it
// records; a dossier without that event has no such letter.
func notice(n string, in Input) (*doc, error) {
	dos, u := in.Dossier, in.Unit
	ev, ok := lastEvent(dos, noticeEvent[n])
	if !ok {
		return nil, app.Errorf(app.EConflict, "form", "Hồ sơ chưa có sự việc để lập mẫu số %s (%s).",
			"the dossier has no event to print form %s (%s) for", n, Titles[n])
	}
	a := dos.Applicant
	d := newDoc("P", A4, Titles[n]+" "+dos.Code, in.Printed)
	d.header(u, "Mã hồ sơ: "+dos.Code, ev.At)
	d.title(strings.ToUpper(Titles[n]), "")
	reason := strings.TrimSpace(ev.Note)
	if reason == "" {
		reason = strings.Repeat(".", 60)
	}
	office, parent := u.Office(), u.Parent()
	switch n {
	case Supplement:
		d.field("Hồ sơ đề nghị giải quyết:", dos.Procedure.Name)
		d.field("Của ông/bà:", a.FullName)
		d.field("Địa chỉ:", orDots(a.Address))
		d.field("Số điện thoại:", orDots(a.Phone))
		d.field("Ngày tiếp nhận:", ClockDate(dos.ReceivedAt))
		d.Ln(1)
		d.para("", "Sau khi xem xét, "+office+" đề nghị ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:")
		d.para("B", reason)
		d.Ln(1)
		d.para("", "Thời gian chờ ông/bà bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết; thời hạn trả kết quả "+
			"được tính lại kể từ khi nhận đủ hồ sơ.")
		d.para("", "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ "+office+" để được hướng dẫn.")
		d.signatures(signer{"NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", in.official(ev.By)})
	case Refusal:
		d.para("", office+" tiếp nhận hồ sơ đề nghị giải quyết thủ tục "+dos.Procedure.Name+" của ông/bà "+a.FullName+
			", số định danh cá nhân "+a.IDNumber+".")
		signs := "NGƯỜI TIẾP NHẬN HỒ SƠ"
		if ev.From == app.StatusProcessing { // refused after appraisal (Decree 61/2018 art. 19(8))
			d.para("", "Sau khi thẩm định, đối chiếu với các quy định hiện hành, "+parent+
				" từ chối giải quyết hồ sơ này với lý do cụ thể như sau:")
			signs = "NGƯỜI THẨM ĐỊNH HỒ SƠ"
		} else {
			d.para("", "Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, "+office+
				" từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:")
		}
		d.para("B", reason)
		d.Ln(1)
		d.para("", "Xin thông báo để ông/bà được biết và thực hiện.")
		d.signatures(signer{signs, "(Ký và ghi rõ họ tên)", in.official(ev.By)})
	case Apology:
		d.dear(a.FullName)
		d.para("", LongDateCap(dos.ReceivedAt)+", "+office+" tiếp nhận giải quyết hồ sơ của ông/bà, mã hồ sơ "+
			dos.Code+", đề nghị giải quyết thủ tục "+dos.Procedure.Name+"; thời gian hẹn trả kết quả: "+
			ClockDate(dueBefore(dos, ev.ID))+".")
		d.para("", "Tuy nhiên đến nay, "+parent+" chưa trả kết quả giải quyết hồ sơ cho ông/bà đúng hẹn ghi trên "+
			"Giấy tiếp nhận hồ sơ và hẹn trả kết quả. Lý do: "+reason)
		d.para("", "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại và thời gian của ông/bà. "+parent+
			" xin lỗi ông/bà và đề nghị gia hạn thời gian trả kết quả đến "+ClockDate(ev.DueAt)+".")
		d.para("", "Xin trân trọng cảm ơn sự hợp tác của ông/bà.")
		d.signatures(signer{"THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", in.official(ev.By)})
	case StopNotice:
		d.dear(a.FullName)
		d.para("", office+" đã tiếp nhận hồ sơ của ông/bà, mã hồ sơ "+dos.Code+", đề nghị giải quyết thủ tục "+
			dos.Procedure.Name+", "+LongDate(dos.ReceivedAt)+".")
		d.para("", parent+" thông báo dừng giải quyết hồ sơ nêu trên kể từ "+ClockDate(ev.At)+". Lý do: "+reason)
		d.para("", "Ông/bà vui lòng liên hệ "+office+" để nhận lại hồ sơ (nếu có) và được hướng dẫn.")
		d.signatures(signer{"THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", in.official(ev.By)})
	}
	return d, nil
}

// dear writes the line a letter to the citizen opens with.
func (d *doc) dear(fullName string) {
	d.font("B", 11)
	d.CellFormat(d.width, d.s(6), "Kính gửi: Ông/Bà "+fullName, "", 2, "C", false, 0, "")
	d.Ln(2)
}
