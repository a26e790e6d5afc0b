package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Satisfaction is a citizen's rating of how the dossier was handled.
type Satisfaction string

const (
	VerySatisfied Satisfaction = "very_satisfied" // Rất hài lòng
	Satisfied     Satisfaction = "satisfied"      // Hài lòng
	Dissatisfied  Satisfaction = "dissatisfied"   // Không hài lòng
)

// Satisfactions lists the ratings in the order forms and reports show them.
func Satisfactions() []Satisfaction { return []Satisfaction{VerySatisfied, Satisfied, Dissatisfied} }

// Vi is the rating as the citizen reads it.
func (s Satisfaction) Vi() string {
	switch s {
	case VerySatisfied:
		return "Rất hài lòng"
	case Satisfied:
		return "Hài lòng"
	case Dissatisfied:
		return "Không hài lòng"
	}
	return string(s)
}

// Valid reports whether s is a known rating.
func (s Satisfaction) Valid() bool {
	return s == VerySatisfied || s == Satisfied || s == Dissatisfied
}

// Rating is the citizen's rating of a returned dossier.
type Rating struct {
	Value     Satisfaction `json:"value"`
	Note      string       `json:"note,omitempty"`
	At        time.Time    `json:"at"`
	By        string       `json:"by"` // the official who recorded it
	CommandID string       `json:"command_id"`
}

// RateBody records a citizen's rating of a dossier.
type RateBody struct {
	DossierID string       `json:"dossier_id"`
	Value     Satisfaction `json:"value"`
	Note      string       `json:"note,omitempty"`
}

// Entity implements Body.
func (b *RateBody) Entity() string { return "dossier/" + b.DossierID }

func (b *RateBody) validate() error {
	if b.DossierID == "" {
		return errors.New("missing dossier_id")
	}
	if !b.Value.Valid() {
		return fmt.Errorf("bad rating %q", b.Value)
	}
	return nil
}

// applyRate folds a rating: one per dossier, only once its result is
// returned. In the dossier's order, the first valid rating stands; any other
// is kept as a conflict.
func (d *Dossier) applyRate(c Command, b *RateBody, at time.Time) {
	switch {
	case d.ID == "":
		d.conflict(c, "rate", at, "dossier_not_received")
	case d.Status != StatusReturned:
		d.conflict(c, "rate", at, "not_returned")
	case d.Rating != nil:
		d.conflict(c, "rate", at, "already_rated")
	default:
		d.Rating = &Rating{Value: b.Value, Note: b.Note, At: at, By: c.Actor, CommandID: c.ID}
	}
}

// RateInput is the rating the desk records for a citizen.
type RateInput struct {
	Rating Satisfaction `json:"rating"`
	Note   string       `json:"note"`
}

// Rate records the citizen's satisfaction with a returned dossier.
func (s *Service) Rate(ctx context.Context, p Principal, code string, in RateInput) (Dossier, error) {
	if !p.Has(RoleReceiver) {
		return Dossier{}, forbidden()
	}
	if !in.Rating.Valid() {
		return Dossier{}, Errorf(EInvalid, "rating", "Mức đánh giá phải là Rất hài lòng (very_satisfied), Hài lòng (satisfied) hoặc Không hài lòng (dissatisfied).",
			"the rating must be very_satisfied, satisfied or dissatisfied")
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 1000 {
		return Dossier{}, Errorf(EInvalid, "note", "Ghi chú quá dài (tối đa 1000 ký tự).", "the note is too long (at most 1000 characters)")
	}
	id, err := s.dossierID(code)
	if err != nil {
		return Dossier{}, err
	}
	unlock := s.lockDossier(id)
	defer unlock()
	d, err := s.cfg.Reader.Dossier(id)
	if err != nil {
		return Dossier{}, err
	}
	switch {
	case d.Status != StatusReturned:
		return Dossier{}, Errorf(ETransition, "rating", "Chỉ ghi nhận đánh giá khi đã trả kết quả cho công dân (hồ sơ đang “%[1]s”).",
			"a rating is recorded only once the result is returned (the dossier is %[2]s)", statusVi(d.Status), string(d.Status))
	case d.Rating != nil:
		return Dossier{}, Errorf(EConflict, "rating", "Hồ sơ này đã có đánh giá của công dân.", "this dossier is already rated")
	}
	c, err := s.commandAfter(d.LastAt, KindDossierRate, p.Username, &RateBody{DossierID: id, Value: in.Rating, Note: note})
	if err != nil {
		return Dossier{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return Dossier{}, err
	}
	return s.cfg.Reader.Dossier(id)
}
