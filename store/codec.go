package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// Large values (commands and dossier states) are stored deflated against a
// preset dictionary of the words they repeat: field names, statuses, the
// catalog's procedure names. A stored value that starts with '{' is plain
// JSON; one that starts with packedMark is deflated JSON. The state hash
// reads values unpacked, so two builds that deflate differently still agree.
const packedMark = 0x01

var packDict = []byte(`{"id":"","kind":"dossier.receive","v":1,"actor":"","node":"n","at":,"body":{"dossier_id":"",` +
	`"code":"000.00.31.H42-26","slot":0,"seq":,"procedure":{"code":"1.001193","name":"Đăng ký khai sinh","version":"2025.07-default",` +
	`"rule":{"kind":"same_day"}},"channel":"in_person","applicant":{"full_name":"Nguyễn Văn ","id_number":"0370","date_of_birth":"19",` +
	`"phone":"09","email":"","address":"Xã , tỉnh Ninh Bình"},"documents":[{"name":"Tờ khai","copies":1}],"note":"",` +
	`"received_at":"2026-T:00+07:00","due_at":"2026-T17:00:00+07:00","idem":""}}` +
	`{"kind":"dossier.act","body":{"dossier_id":"","action":"forward","note":"","holder":""}}` +
	`{"kind":"working_hours","hours":24}"Chứng thực bản sao từ bản chính""Xác nhận tình trạng hôn nhân""Đăng ký kết hôn"` +
	`"Đăng ký khai tử""Cấp bản sao trích lục hộ tịch""Chứng thực chữ ký""Trần Thị ""Lê ""Phạm ""Hoàng ""Đặng ""Bùi ""Đỗ "` +
	`"status":"received","entered_at":"","received_by":"","holder":"","resolved_at":"","closed_at":"",` +
	`"history":[{"action":"receive","to":"received","at":"","by":"","due_at":"","command_id":""},` +
	`{"action":"forward","from":"received","to":"processing","at":"","by":"","command_id":""},` +
	`{"action":"resolve","from":"processing","to":"result_ready","at":"","by":"","command_id":""},` +
	`{"action":"return","from":"result_ready","to":"returned","at":"","by":"","command_id":""}],` +
	`"conflicts":[{"command_id":"","action":"","by":"","at":"","reason":""}],"attachments":[],"rating":""`)

// The writer is klauspost/compress's deflate (standard deflate, read back
// by compress/flate): for values of a few hundred bytes the standard
// library's writer spends most of its time clearing its 640 KB of hash
// tables at every Reset and building a dynamic Huffman table; this one
// primes its window with the dictionary instead. Measured on the two values
// of a receipt (the command, the dossier's state): 34-40 µs of CPU with
// compress/flate level 2, 24-26 µs at level 3 here, 3% longer output.
var (
	writers = sync.Pool{New: func() any {
		w, err := kflate.NewWriterDict(nil, 3, packDict)
		if err != nil {
			panic(err) // only for a bad level, which is a constant
		}
		return w
	}}
	readers = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), packDict) }}
)

// pack returns the stored form of a JSON value: deflated when that is shorter.
func pack(raw []byte) []byte {
	if len(raw) < 96 {
		return raw
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) / 2)
	buf.WriteByte(packedMark)
	w := writers.Get().(*kflate.Writer)
	w.Reset(&buf)
	w.Write(raw)
	w.Close()
	writers.Put(w)
	if buf.Len() >= len(raw) {
		return raw
	}
	return buf.Bytes()
}

// unpack returns the JSON of a stored value.
func unpack(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != packedMark {
		return v, nil
	}
	r := readers.Get().(io.ReadCloser)
	defer readers.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(v[1:]), packDict); err != nil {
		return nil, err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unpack stored value: %w", err)
	}
	return out, nil
}

// marshalPacked encodes v as JSON in its stored form.
func marshalPacked(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return pack(raw), nil
}

// unmarshalPacked decodes a stored value into v.
func unmarshalPacked(stored []byte, v any) error {
	raw, err := unpack(stored)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
