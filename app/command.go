package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
)

// Command kinds. A kind names a change of state; its body is versioned by V.
// Kinds are never renamed or reused: old logs must keep their meaning. Each
// has its row in the kind table (kinds.go).
const (
	KindCommuneConfigure = "commune.configure"
	KindUserCreate       = "user.create"
	KindUserUpdate       = "user.update"
	KindSlotLease        = "slot.lease"
	KindSlotRelease      = "slot.release"
	KindDossierReceive   = "dossier.receive" // handed in at the desk (or back-entered)
	KindDossierSubmit    = "dossier.submit"  // submitted online, arrives from the hub
	KindDossierAct       = "dossier.act"     // a lifecycle action on a dossier
)

// Command is the envelope of every change of state. It carries its own
// identity (ID, the idempotency key), origin and time, so that the same value
// can be applied by the local store, replicated through Raft and sent to the
// province, and give the same state everywhere.
type Command struct {
	ID    string          `json:"id"`
	Kind  string          `json:"kind"`
	V     int             `json:"v"`
	Actor string          `json:"actor"` // user name, or "system"
	Node  string          `json:"node"`  // origin node ID
	At    HLC             `json:"at"`    // hybrid logical clock at the origin
	Body  json.RawMessage `json:"body"`
}

// Body is a decoded command body; it names the entity it changes.
type Body interface {
	Entity() string
}

// ErrUnknownKind marks a command from a newer version: stored, not applied.
var ErrUnknownKind = errors.New("unknown command kind")

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{7,79}$`)

// NewCommand builds an envelope with a typed body.
func NewCommand(id, kind, actor, node string, at HLC, body Body) (Command, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Command{}, fmt.Errorf("encode %s body: %w", kind, err)
	}
	return Command{ID: id, Kind: kind, V: 1, Actor: actor, Node: node, At: at, Body: raw}, nil
}

// Encode returns the canonical bytes of the command.
func (c Command) Encode() ([]byte, error) { return json.Marshal(c) }

// DecodeCommand parses and checks an envelope. A command that cannot be
// decoded is a bug or corruption: callers must fail loudly, never skip it.
func DecodeCommand(b []byte) (Command, error) {
	var c Command
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return Command{}, fmt.Errorf("decode command: %w", err)
	}
	if dec.More() {
		return Command{}, errors.New("decode command: trailing data")
	}
	if err := c.Check(); err != nil {
		return Command{}, err
	}
	return c, nil
}

// Check validates the envelope (not the body).
func (c Command) Check() error {
	switch {
	case !idPattern.MatchString(c.ID):
		return fmt.Errorf("command %q: bad id", c.ID)
	case c.Kind == "":
		return fmt.Errorf("command %s: empty kind", c.ID)
	case c.V < 1:
		return fmt.Errorf("command %s: bad version %d", c.ID, c.V)
	case c.Node == "":
		return fmt.Errorf("command %s: empty node", c.ID)
	case c.At == 0:
		return fmt.Errorf("command %s: zero time", c.ID)
	case len(c.Body) == 0 || c.Body[0] != '{':
		return fmt.Errorf("command %s: body is not an object", c.ID)
	}
	if err := checkOfficeOnly(c); err != nil {
		return err
	}
	return nil
}

// Decode returns the typed body. It returns ErrUnknownKind for kinds this
// version does not know, and an error for a known kind whose body is broken.
func (c Command) Decode() (Body, error) {
	k, ok := LookupKind(c.Kind)
	if !ok {
		return nil, fmt.Errorf("command %s kind %q: %w", c.ID, c.Kind, ErrUnknownKind)
	}
	b := k.Body()
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	dec.DisallowUnknownFields()
	if c.V > 1 {
		// A newer minor version may add fields; known ones keep their meaning.
		dec = json.NewDecoder(bytes.NewReader(c.Body))
	}
	if err := dec.Decode(b); err != nil {
		return nil, fmt.Errorf("command %s (%s) body: %w", c.ID, c.Kind, err)
	}
	if v, ok := b.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return nil, fmt.Errorf("command %s (%s) body: %w", c.ID, c.Kind, err)
		}
	}
	return b, nil
}

// Before orders commands of one entity: by time, then origin node, then ID.
// Every node sorts the same way, so every node folds to the same state.
func (c Command) Before(o Command) bool {
	if c.At != o.At {
		return c.At < o.At
	}
	if c.Node != o.Node {
		return c.Node < o.Node
	}
	return c.ID < o.ID
}
