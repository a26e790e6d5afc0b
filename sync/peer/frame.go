package peer

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// A frame is tag(1) len(uvarint) payload. A request's tag is its op; an
// answer's tag is 0 for success and 1 for an error whose payload is its text.
const (
	statusOK    byte = 0
	statusError byte = 1
)

// MaxFrame bounds one frame's payload.
const MaxFrame = 64 << 20

func writeFrame(w *bufio.Writer, tag byte, payload []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = tag
	n := binary.PutUvarint(hdr[1:], uint64(len(payload)))
	if _, err := w.Write(hdr[:1+n]); err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes is too large", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return tag, buf, nil
}
