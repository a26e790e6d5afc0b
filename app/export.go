package app

import "strconv"

// The export of registered entries to the national civil-status database
// (the shape is app/exchange's): incremental, in the order of each entry's
// latest change, so a later export sends what was registered, corrected or
// annotated since the cursor of the one before.

// MaxExportPage is the most entries one page of the export holds.
const MaxExportPage = 1000

// ExportEntries returns up to limit registered entries changed after the
// cursor (empty: from the start) and the cursor of the last one; more says
// whether others follow. Entries of old books are exported once verified.
func (s *Service) ExportEntries(p Principal, after string, limit int) (items []Entry, next string, more bool, err error) {
	if !p.Has(RoleLeader) && !p.Has(RoleAdmin) && !p.Has(RoleSpecialist) {
		return nil, "", false, forbidden()
	}
	var from HLC
	if after != "" {
		v, perr := strconv.ParseUint(after, 10, 64)
		if perr != nil {
			return nil, "", false, Errorf(EInvalid, "after", "Mốc xuất dữ liệu không hợp lệ.", "the export cursor is not valid")
		}
		from = HLC(v)
	}
	if limit <= 0 || limit > MaxExportPage {
		limit = MaxExportPage
	}
	items = []Entry{}
	next = after
	err = s.cfg.Reader.EntriesChanged(from, func(e Entry) bool {
		if len(items) == limit {
			more = true
			return false
		}
		items = append(items, e)
		next = strconv.FormatUint(uint64(e.LastAt), 10)
		return true
	})
	if err != nil {
		return nil, "", false, Internal(err)
	}
	return items, next, more, nil
}

// SearchRegisters finds registered entries of every book whose names,
// dates, numbers or dossier code hold q, with or without diacritics (the
// normalised copy kept beside each entry), at most limit of them.
func (s *Service) SearchRegisters(p Principal, q string, limit int) ([]Entry, error) {
	key := TextKey(q)
	if len([]rune(key)) < 2 {
		return nil, Errorf(EInvalid, "q", "Nhập ít nhất 2 ký tự để tìm.", "type at least 2 characters to search")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := []Entry{}
	err := s.cfg.Reader.SearchEntries(key, func(e Entry) bool {
		out = append(out, e)
		return len(out) < limit
	})
	if err != nil {
		return nil, Internal(err)
	}
	return out, nil
}
