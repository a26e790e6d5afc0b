package app

import (
	"context"
	"strings"
	"unicode/utf8"
)

// KindPCName gives one of the office's PCs the name officials know it by
// ("Tiếp nhận 2"), so that the status bar and the PCs dialog can say "Máy
// Tiếp nhận 2 đang tắt" instead of a node ID (issue 14, point 5). It is a
// command of the office like any other: a PC that is off when it is named
// learns its name from the log when it comes back.
const KindPCName = "pc.name"

// PCName is a PC's name as officials know it; Name "" clears it.
type PCName struct {
	NodeID string `json:"node_id"`
	Name   string `json:"name"`
}

// Entity implements Body.
func (b *PCName) Entity() string { return "pc/" + b.NodeID }

// Apply folds a naming command: the latest wins.
func (b *PCName) Apply(c Command, body Body) {
	if n, ok := body.(*PCName); ok {
		*b = *n
	}
}

// NamePC names the PC with the given node ID (admin only). The node ID is
// not checked against the members: a PC that is off, or not yet back after
// a repair, may be named too.
func (s *Service) NamePC(ctx context.Context, p Principal, nodeID, name string) (PCName, error) {
	if !p.Has(RoleAdmin) {
		return PCName{}, forbidden()
	}
	nodeID = strings.TrimSpace(nodeID)
	if nodeID == "" || len(nodeID) > 80 || !idPattern.MatchString(nodeID) {
		return PCName{}, Errorf(EInvalid, "node_id", "Không rõ máy nào cần đặt tên.", "node_id names no PC")
	}
	name = strings.Join(strings.Fields(CleanText(name)), " ")
	if utf8.RuneCountInString(name) > 40 {
		return PCName{}, Errorf(EInvalid, "name", "Tên máy tối đa 40 ký tự.", "a PC's name has at most 40 characters")
	}
	b := &PCName{NodeID: nodeID, Name: name}
	c, err := s.command("", KindPCName, p.Username, b)
	if err != nil {
		return PCName{}, err
	}
	if err := s.append(ctx, c); err != nil {
		return PCName{}, err
	}
	return *b, nil
}
