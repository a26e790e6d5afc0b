package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Scanned documents attached to a dossier. The file itself is a blob kept
// by content (SHA-256) on each PC; the link between dossier and blob is the
// command dossier.attach, which replicates like every other command. Blobs
// follow lazily: a PC that has the link but not yet the file fetches it by
// hash from a peer.

// Command kinds of a dossier's attachments and rating.
const (
	KindDossierAttach = "dossier.attach" // a scanned document attached to a dossier
	KindDossierRate   = "dossier.rate"   // the citizen's satisfaction rating, at or after return
)

// Attachment limits.
const (
	MaxAttachmentSize = 10 << 20 // bytes per file
	MaxAttachments    = 100      // files per dossier
	maxImageSide      = 20000    // pixels: larger is not a scan but a decompression bomb
	maxImagePixels    = 80 << 20 // pixels in all: an A3 page at 600 dpi is 70 million
)

// Media types an attachment may have; the content decides, not the name.
const (
	MediaJPEG = "image/jpeg"
	MediaPNG  = "image/png"
	MediaPDF  = "application/pdf"
)

// Errors a BlobStore wraps: the content exceeds the limit, or reading the
// upload failed (the client went away half-way).
var (
	ErrBlobTooLarge = errors.New("blob too large")
	ErrUploadBroken = errors.New("upload interrupted")
)

// BlobStore keeps files by the SHA-256 of their content. Stage writes the
// whole stream aside first; only Commit makes it visible, so an upload that
// breaks off half-way leaves nothing behind.
type BlobStore interface {
	Stage(r io.Reader, limit int64) (StagedBlob, error)
	HasBlob(hash string) (bool, error)
	Blob(hash string) (io.ReadCloser, error)
}

// StagedBlob is a complete, durable upload not yet in place.
type StagedBlob interface {
	io.ReaderAt
	SHA256() string
	Size() int64
	Commit() error  // put in place (a no-op when the same content is there already)
	Discard() error // forget it
}

// Attachment is a scanned document linked to a dossier.
type Attachment struct {
	SHA256    string    `json:"sha256"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	Width     int       `json:"width,omitempty"` // pixels, images only
	Height    int       `json:"height,omitempty"`
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	CommandID string    `json:"command_id"`
}

// AttachBody links a blob to a dossier.
type AttachBody struct {
	DossierID string `json:"dossier_id"`
	SHA256    string `json:"sha256"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidBlobHash reports whether h is a blob name: 64 lower-case hex digits.
func ValidBlobHash(h string) bool { return sha256Hex.MatchString(h) }

// Entity implements Body.
func (b *AttachBody) Entity() string { return "dossier/" + b.DossierID }

func (b *AttachBody) validate() error {
	switch {
	case b.DossierID == "":
		return errors.New("missing dossier_id")
	case !ValidBlobHash(b.SHA256):
		return fmt.Errorf("bad sha256 %q", b.SHA256)
	case b.Size <= 0 || b.Size > MaxAttachmentSize:
		return fmt.Errorf("bad size %d", b.Size)
	case b.MediaType != MediaJPEG && b.MediaType != MediaPNG && b.MediaType != MediaPDF:
		return fmt.Errorf("bad media type %q", b.MediaType)
	}
	return nil
}

// applyAttach folds an attach command: a content already attached to the
// dossier is not attached twice, whoever attached it first.
func (d *Dossier) applyAttach(c Command, b *AttachBody, at time.Time) {
	if d.ID == "" {
		d.conflict(c, "attach", at, "dossier_not_received")
		return
	}
	if _, ok := d.Attachment(b.SHA256); ok {
		return
	}
	d.Attachments = append(d.Attachments, Attachment{SHA256: b.SHA256, Name: b.Name, MediaType: b.MediaType,
		Size: b.Size, Width: b.Width, Height: b.Height, At: at, By: c.Actor, CommandID: c.ID})
}

// Attachment returns the dossier's attachment with the given hash.
func (d *Dossier) Attachment(hash string) (Attachment, bool) {
	for _, a := range d.Attachments {
		if a.SHA256 == hash {
			return a, true
		}
	}
	return Attachment{}, false
}

// SniffScan checks that content is a JPEG, PNG or PDF file by what it
// contains, reading the header (and for PDF the trailer). It returns the
// media type and, for images, the size in pixels.
func SniffScan(r io.ReaderAt, size int64) (media string, w, h int, err error) {
	bad := Errorf(EInvalid, "file", "Tệp không phải ảnh quét (JPEG, PNG) hoặc PDF hợp lệ.",
		"the file is not a valid scanned image (JPEG, PNG) or PDF")
	if size < 8 {
		return "", 0, 0, bad
	}
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return "", 0, 0, Internal(fmt.Errorf("read upload head: %w", err))
	}
	sr := io.NewSectionReader(r, 0, size)
	switch {
	case bytes.HasPrefix(head[:], []byte{0xff, 0xd8, 0xff}):
		cfg, err := jpeg.DecodeConfig(sr)
		if err != nil {
			return "", 0, 0, bad
		}
		media, w, h = MediaJPEG, cfg.Width, cfg.Height
	case bytes.Equal(head[:], []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(sr)
		if err != nil {
			return "", 0, 0, bad
		}
		media, w, h = MediaPNG, cfg.Width, cfg.Height
	case bytes.HasPrefix(head[:], []byte("%PDF-")):
		if !pdfComplete(r, size) || !pdfStructured(r, size) {
			return "", 0, 0, Errorf(EInvalid, "file", "Tệp PDF không đầy đủ hoặc bị hỏng (cấu trúc bảng tham chiếu không đúng).",
				"the PDF file is truncated or damaged (its cross-reference structure does not hold)")
		}
		return MediaPDF, 0, 0, nil
	default:
		return "", 0, 0, bad
	}
	if w < 1 || h < 1 || w > maxImageSide || h > maxImageSide || w*h > maxImagePixels {
		return "", 0, 0, Errorf(EInvalid, "file", "Kích thước ảnh không hợp lệ (%d×%d điểm ảnh).",
			"the image size is not acceptable (%d×%d pixels)", w, h)
	}
	return media, w, h, nil
}

// pdfComplete checks the version in the header and the %%EOF marker near the
// end, which a PDF cut off in transfer lacks.
func pdfComplete(r io.ReaderAt, size int64) bool {
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return false
	}
	if v := string(head[5:8]); !(v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '7') && v != "2.0" {
		return false
	}
	n := min(size, 1024)
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return false
	}
	return bytes.Contains(tail, []byte("%%EOF"))
}

// cleanFileName keeps the last path element of a client's file name, without
// control characters, at most 200 characters.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return isControl(r) || r == ' ' }), " ")
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

func extOf(media string) string {
	switch media {
	case MediaJPEG:
		return ".jpg"
	case MediaPNG:
		return ".png"
	}
	return ".pdf"
}

// Attach stores a scanned document and links it to the dossier. The same
// content attached twice is stored once and linked once: the second call
// returns the first attachment with created false.
func (s *Service) Attach(ctx context.Context, p Principal, code, name string, body io.Reader) (a Attachment, created bool, err error) {
	if !p.Has(RoleReceiver) {
		return Attachment{}, false, forbidden()
	}
	if s.cfg.Blobs == nil {
		return Attachment{}, false, noBlobStore()
	}
	id, err := s.dossierID(code)
	if err != nil {
		return Attachment{}, false, err
	}
	d, err := s.cfg.Reader.Dossier(id)
	if err != nil {
		return Attachment{}, false, err
	}
	if len(d.Attachments) >= MaxAttachments {
		return Attachment{}, false, attachmentsFull() // before reading a file the dossier cannot take
	}
	staged, media, w, h, err := s.stageScan(body)
	if err != nil {
		return Attachment{}, false, err
	}
	commit := false
	defer func() {
		if !commit {
			staged.Discard()
		}
	}()
	hash := staged.SHA256()
	unlock := s.lockDossier(id)
	defer unlock()
	if d, err = s.cfg.Reader.Dossier(id); err != nil {
		return Attachment{}, false, err
	}
	if len(d.Attachments) >= MaxAttachments {
		return Attachment{}, false, attachmentsFull() // filled by uploads that ran while this one was read
	}
	if old, ok := d.Attachment(hash); ok {
		return old, false, nil
	}
	if err := staged.Commit(); err != nil {
		return Attachment{}, false, Internal(fmt.Errorf("store attachment %s: %w", hash, err))
	}
	commit = true
	name = cleanFileName(name)
	if name == "" {
		name = "scan-" + hash[:8] + extOf(media)
	}
	c, err := s.commandAfter(d.LastAt, KindDossierAttach, p.Username, &AttachBody{DossierID: id, SHA256: hash, Name: name,
		MediaType: media, Size: staged.Size(), Width: w, Height: h})
	if err != nil {
		return Attachment{}, false, err
	}
	if err := s.append(ctx, c); err != nil {
		return Attachment{}, false, err
	}
	if d, err = s.cfg.Reader.Dossier(id); err != nil {
		return Attachment{}, false, err
	}
	a, _ = d.Attachment(hash)
	return a, true, nil
}

// stageScan keeps an uploaded scan aside and checks by its content that it
// is a JPEG, PNG or PDF file; the caller commits or discards it.
func (s *Service) stageScan(body io.Reader) (staged StagedBlob, media string, w, h int, err error) {
	staged, err = s.cfg.Blobs.Stage(body, MaxAttachmentSize)
	switch {
	case errors.Is(err, ErrBlobTooLarge):
		return nil, "", 0, 0, Errorf(ETooLarge, "file", "Tệp quá lớn: mỗi tệp đính kèm tối đa %d MB.",
			"the file is too large: at most %d MB per attachment", MaxAttachmentSize>>20)
	case errors.Is(err, ErrUploadBroken):
		return nil, "", 0, 0, Errorf(EInvalid, "file", "Tải tệp lên bị gián đoạn, vui lòng thử lại.",
			"the upload was interrupted, please try again")
	case err != nil:
		return nil, "", 0, 0, Internal(fmt.Errorf("stage scan: %w", err))
	}
	if media, w, h, err = SniffScan(staged, staged.Size()); err != nil {
		staged.Discard()
		return nil, "", 0, 0, err
	}
	return staged, media, w, h, nil
}

func noBlobStore() *Error {
	return Errorf(EUnavailable, "", "Máy này chưa được cấu hình nơi lưu tệp đính kèm.",
		"this PC has no attachment storage configured")
}

func attachmentsFull() *Error {
	return Errorf(EConflict, "file", "Hồ sơ đã có tối đa %d tệp đính kèm.",
		"the dossier already has the maximum of %d attachments", MaxAttachments)
}

// AttachmentContent opens an attachment of a dossier. A file whose link has
// arrived but whose content is not yet copied to this PC is unavailable.
func (s *Service) AttachmentContent(p Principal, code, hash string) (Attachment, io.ReadCloser, error) {
	notFound := Errorf(ENotFound, "sha256", "Hồ sơ không có tệp đính kèm này.", "the dossier has no such attachment")
	if !ValidBlobHash(hash) {
		return Attachment{}, nil, notFound
	}
	d, err := s.DossierByCode(code)
	if err != nil {
		return Attachment{}, nil, err
	}
	a, ok := d.Attachment(hash)
	if !ok {
		return Attachment{}, nil, notFound
	}
	if s.cfg.Blobs == nil {
		return Attachment{}, nil, Errorf(EUnavailable, "", "Máy này chưa được cấu hình nơi lưu tệp đính kèm.",
			"this PC has no attachment storage configured")
	}
	if ok, err := s.cfg.Blobs.HasBlob(hash); err != nil {
		return Attachment{}, nil, Internal(err)
	} else if !ok {
		return Attachment{}, nil, Errorf(EUnavailable, "sha256", "Tệp này chưa được đồng bộ về máy, vui lòng thử lại sau ít phút.",
			"this file has not been copied to this PC yet, try again in a few minutes")
	}
	rc, err := s.cfg.Blobs.Blob(hash)
	if err != nil {
		return Attachment{}, nil, Internal(err)
	}
	return a, rc, nil
}
