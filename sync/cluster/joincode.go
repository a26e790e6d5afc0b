package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"xaso/app"
	"xaso/sync/peer"
)

// The join code (sync/peer): the first PC of an office draws it with the
// office's CA when it bootstraps; a new PC proves it to a member and
// receives the CA (enrol); the admin rotates it, which hands every member
// a new CA and code and leaves out the PCs that are not members.

// errNoCode: this PC must join but was given no join code.
var errNoCode = errors.New("no join code (XASO_JOIN_SECRET) to join the office with")

// publicInfo is what a PC that is not a member learns from info: who this
// PC is and the size of its cluster (mDNS announces as much), never
// addresses, peers or anything of the join code.
func (c *Cluster) publicInfo() Info {
	full := c.Info()
	in := Info{NodeID: full.NodeID, ClusterID: full.ClusterID, Commune: full.Commune, State: full.State,
		Leader: full.Leader, Commands: full.Commands, TimeMS: full.TimeMS}
	for _, m := range full.Members {
		in.Members = append(in.Members, Member{NodeID: m.NodeID, Leader: m.Leader})
	}
	return in
}

// codes are the join codes to prove, the kept one first. The one this PC
// was started with is left out once rotated away here: the office's old
// code must not take it into another office (a removed PC's).
func (c *Cluster) codes() []string {
	var out []string
	if code, _ := c.auth.Code(); code != "" {
		out = append(out, code)
	}
	if c.cfg.JoinCode != "" && !slices.Contains(out, c.cfg.JoinCode) && !c.auth.Retired(c.cfg.JoinCode) {
		out = append(out, c.cfg.JoinCode)
	}
	return out
}

// enrollAt proves the join code to node id and adopts its office's CA.
func (c *Cluster) enrollAt(ctx context.Context, id string) error {
	codes := c.codes()
	if len(codes) == 0 {
		return errNoCode
	}
	var errs []error
	for _, addr := range c.book.Lookup(id) {
		for _, code := range codes {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			b, err := peer.Enroll(cctx, addr, code, c.cfg.NodeID)
			cancel()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := c.auth.Adopt(b); err != nil {
				return err
			}
			c.pool.CloseIdle()
			c.log.Info("received the office's certificate", "from", id, "epoch", b.Epoch)
			return nil
		}
	}
	if len(errs) == 0 {
		return fmt.Errorf("peer %s: no known address", id)
	}
	return fmt.Errorf("enrol at %s: %w", id, errors.Join(errs...))
}

// ensureEnrolled gives a PC that was in a cluster before the office CA
// existed (an older data folder) its certificate: from a member that
// answers within JoinWait, else it makes the office's CA itself (a PC
// with a lower node ID is waited for longer, as in joinOrBootstrap, and
// for ever when this PC has no code to join with).
func (c *Cluster) ensureEnrolled(ctx context.Context) {
	start := time.Now()
	for ctx.Err() == nil && !c.auth.Enrolled() {
		c.identifyStatic(ctx, staticRefreshJoining)
		lower := false
		for _, p := range c.peers() {
			if err := c.enrollAt(ctx, p.NodeID); err == nil {
				return
			}
			lower = lower || p.NodeID < c.cfg.NodeID
		}
		waited := time.Since(start)
		// Without a code, only the PC with the lowest node ID in sight
		// draws one: the others of the office wait to be given it.
		patient := lower && len(c.codes()) == 0
		if waited >= c.cfg.JoinWait && !patient && (!lower || waited >= 3*c.cfg.JoinWait) {
			if err := c.auth.Create(c.cfg.JoinCode); err != nil {
				c.log.Error("create the office's CA", "err", err)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// catchUp re-enrols a member that was off while the code was rotated,
// once it is started with the new code: its old certificate is refused by
// the others, and the old CA cannot be trusted for anything (a removed PC
// holds its key), so the new code is the only way back.
func (c *Cluster) catchUp(ctx context.Context) {
	code := c.cfg.JoinCode
	if mine, _ := c.auth.Code(); code == "" || code == mine || c.auth.Retired(code) {
		return
	}
	for _, p := range c.peers() {
		for _, addr := range c.book.Lookup(p.NodeID) {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			b, err := peer.Enroll(cctx, addr, code, c.cfg.NodeID)
			cancel()
			if err != nil {
				continue
			}
			if err := c.auth.Adopt(b); err != nil {
				c.log.Error("take the office's new certificate", "err", err)
				return
			}
			c.pool.CloseIdle()
			c.log.Warn("took the office's new join code", "from", p.NodeID, "epoch", b.Epoch)
			return
		}
	}
}

// JoinWithCode takes this PC into the office whose join code an admin
// typed (admin action, e.g. on a desktop PC that started as the first of
// its own office): it proves the code to a PC of the commune in sight and
// takes that office's CA and code; the merge (merge.go) then brings the
// smaller of the two clusters into the other.
func (c *Cluster) JoinWithCode(ctx context.Context, typed string) (string, error) {
	code, err := peer.ParseJoinCode(typed)
	if err != nil {
		return "", app.Errorf(app.EInvalid, "code", "Mã tham gia không đúng: mã gồm 7 nhóm 4 ký tự (chữ và số), "+
			"xem trên màn hình Máy trong cụm của quản trị viên một máy trong văn phòng.",
			"not a join code: it has 7 groups of 4 letters and digits, shown to admins on the Peers screen of a PC of the office")
	}
	if mine, _ := c.auth.Code(); mine == code {
		return peer.FormatJoinCode(code), nil
	}
	if c.Members() > 1 {
		return "", app.Errorf(app.EConflict, "code", "Máy này đang thuộc một cụm máy khác; gỡ nó khỏi cụm đó trước khi "+
			"nhập mã của văn phòng mới.", "this PC belongs to a cluster of other PCs: remove it from that cluster first")
	}
	var errs []error
	for _, p := range c.peers() {
		for _, addr := range c.book.Lookup(p.NodeID) {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			b, err := peer.Enroll(cctx, addr, code, c.cfg.NodeID)
			cancel()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := c.auth.Adopt(b); err != nil {
				return "", app.Internal(err)
			}
			c.pool.CloseIdle()
			c.log.Warn("joined an office with a typed join code", "via", p.NodeID, "epoch", b.Epoch)
			return peer.FormatJoinCode(b.Code), nil
		}
	}
	return "", app.Errorf(app.ENotFound, "code", "Không máy nào của xã trong mạng nhận mã này. Kiểm tra lại mã "+
		"và mạng (máy kia phải đang bật và ở cùng mạng nội bộ).",
		"no PC of the commune in sight accepts this code; check the code and the network (the other PC must be on, on the same LAN)").
		WithCause(errors.Join(errs...))
}

// JoinCode is the office's join code as shown to the admin (groups of
// four), and its epoch; "" before this PC belongs to an office.
func (c *Cluster) JoinCode() (string, int) {
	code, epoch := c.auth.Code()
	if code == "" {
		return "", 0
	}
	return peer.FormatJoinCode(code), epoch
}

// RotateJoinCode draws a new join code and office CA, hands them to every
// member it reaches, then takes them itself (admin action). A PC removed
// from the cluster is not handed them: it can no longer talk to the
// office. It returns the new code and the members not reached (they must
// be given the new code to join again).
func (c *Cluster) RotateJoinCode(ctx context.Context) (string, []string, error) {
	if !c.auth.Enrolled() {
		return "", nil, app.Errorf(app.EConflict, "", "Máy này chưa thuộc cụm máy nào.", "this PC does not belong to an office yet")
	}
	b, err := c.auth.Rotate()
	if err != nil {
		return "", nil, app.Internal(err)
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return "", nil, app.Internal(err)
	}
	var missed []string
	for _, id := range c.otherMembers() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.callNode(cctx, id, opRekey, payload)
		cancel()
		if err != nil {
			c.log.Warn("member not re-keyed: it needs the new join code", "node", id, "err", err)
			missed = append(missed, id)
		}
	}
	if err := c.auth.Adopt(b); err != nil {
		return "", missed, app.Internal(err)
	}
	c.pool.CloseIdle()
	c.log.Warn("join code rotated", "epoch", b.Epoch, "missed", missed)
	return peer.FormatJoinCode(b.Code), missed, nil
}

// handleRekey takes a rotated bundle from a member.
func (c *Cluster) handleRekey(_ context.Context, req peer.Request) ([]byte, error) {
	var b peer.Bundle
	if err := json.Unmarshal(req.Payload, &b); err != nil {
		return nil, err
	}
	if _, mine := c.auth.Code(); b.Epoch <= mine {
		return nil, nil
	}
	if _, err := peer.ParseJoinCode(b.Code); err != nil {
		return nil, err
	}
	if err := c.auth.Adopt(b); err != nil {
		return nil, err
	}
	c.pool.CloseIdle()
	c.log.Warn("join code rotated by a member", "epoch", b.Epoch)
	return nil, nil
}
