package update

import (
	"errors"
	"syscall"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"xaso/app"
)

// Codes of refused updates: what the admin and provincial IT read.
const (
	EBadSignature = "update_bad_signature" // signed by an unknown key, or by fewer keys than the threshold
	ERollback     = "update_rollback"      // an older version than one seen already (rollback attack)
	EExpired      = "update_expired"       // metadata past its expiry (freeze attack, or a repository not re-signed)
	ETampered     = "update_tampered"      // bytes that do not match the signed length or hash
	ETooLarge     = "update_too_large"     // more bytes than signed
	EUnreachable  = "update_unreachable"   // the hub (or peer) did not answer
	ERefused      = "update_refused"       // any other refusal of the metadata
)

// Explain turns a refusal of go-tuf or of a download into a coded error
// in Vietnamese and English; the cause is kept.
func Explain(err error) *app.Error {
	if err == nil {
		return nil
	}
	var e *app.Error
	if errors.As(err, &e) {
		return e
	}
	var (
		unsigned *metadata.ErrUnsignedMetadata
		bad      *metadata.ErrBadVersionNumber
		equal    *metadata.ErrEqualVersionNumber
		expired  *metadata.ErrExpiredMetadata
		mismatch *metadata.ErrLengthOrHashMismatch
		long     *metadata.ErrDownloadLengthMismatch
		dl       *metadata.ErrDownload
		http     *metadata.ErrDownloadHTTP
	)
	switch {
	case errors.As(err, &unsigned):
		e = app.Errorf(EBadSignature, "", "Bản cập nhật bị từ chối: chữ ký không hợp lệ (khoá lạ hoặc thiếu chữ ký theo ngưỡng).",
			"update refused: bad signature (an unknown key, or fewer signatures than the threshold)")
	case errors.As(err, &bad), errors.As(err, &equal):
		e = app.Errorf(ERollback, "", "Bản cập nhật bị từ chối: phiên bản cũ hơn bản đã nhận (tấn công quay lui).",
			"update refused: an older version than one already seen (rollback)")
	case errors.As(err, &expired):
		e = app.Errorf(EExpired, "", "Bản cập nhật bị từ chối: siêu dữ liệu đã hết hạn; tỉnh cần ký lại.",
			"update refused: the metadata has expired; provincial IT must sign again")
	case errors.As(err, &mismatch):
		e = app.Errorf(ETampered, "", "Bản cập nhật bị từ chối: nội dung không khớp với chữ ký (bị sửa đổi).",
			"update refused: the bytes do not match the signed hash or length (tampered)")
	case errors.As(err, &long):
		e = app.Errorf(ETooLarge, "", "Bản cập nhật bị từ chối: lớn hơn kích thước đã ký.",
			"update refused: larger than signed")
	case errors.Is(err, syscall.ENOSPC):
		e = app.Errorf(app.EDiskFull, "", "Ổ đĩa đầy: không tải được bản cập nhật; phiên bản đang chạy vẫn giữ nguyên.",
			"the disk is full: the update was not downloaded; the running version is kept")
	case errors.As(err, &dl), errors.As(err, &http):
		e = app.Errorf(EUnreachable, "", "Không tải được bản cập nhật từ máy chủ tỉnh.",
			"could not download the update from the hub")
	default:
		e = app.Errorf(ERefused, "", "Bản cập nhật bị từ chối: siêu dữ liệu không hợp lệ.",
			"update refused: the metadata is not valid")
	}
	return e.WithCause(err)
}
