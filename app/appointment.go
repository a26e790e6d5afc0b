package app

import "time"

// Appointment returns the date the citizen was given to collect the result,
// the one the dossier is judged against: the due date set at receipt,
// replaced only by a date the law sets anew (the period restarted after a
// supplement, a statutory extension). An apology's new date (form 04) is
// not an appointment: a dossier returned after its appointment is late even
// with an apology (Decree 61/2018 art. 19(9); domain/README "Apology").
func (d *Dossier) Appointment() time.Time {
	var t time.Time
	for _, e := range d.History {
		if appoints(e) {
			t = e.DueAt.In(vnZone)
		}
	}
	if t.IsZero() {
		return d.DueAt
	}
	return t
}

// FirstAppointment is the appointment printed on the receipt (form 01) when
// the dossier was received: it never changes.
func (d *Dossier) FirstAppointment() time.Time {
	for _, e := range d.History {
		if (e.Action == ActReceive || e.Action == ActSubmit) && !e.DueAt.IsZero() {
			return e.DueAt.In(vnZone)
		}
	}
	return d.Appointment()
}

// Rescheduled is the apology's new date when the dossier has one (form 04),
// else the zero time.
func (d *Dossier) Rescheduled() time.Time {
	for _, e := range d.History {
		if e.Action == ActApologize && !e.DueAt.IsZero() {
			return e.DueAt.In(vnZone)
		}
	}
	return time.Time{}
}

// appoints reports whether a history row sets the appointment.
func appoints(e Event) bool { return !e.DueAt.IsZero() && e.Action != ActApologize }
