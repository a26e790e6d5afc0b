; Windows installer of Xã Số (NSIS 3, Unicode). Built on Linux by
; `make installer-windows`:
;   makensis -DVERSION=… -DBINARY=path/to/xaso.exe -DOUTFILE=path/to/setup.exe project.nsi
; Optional: -DWEBVIEW2_INSTALLER=path to Microsoft's offline WebView2 runtime
; installer, for Windows 7/8 PCs without WebView2 and without internet.
Unicode true
SetCompressor /SOLID lzma
ManifestDPIAware true

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef BINARY
  !error "define BINARY, the path of xaso.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "xaso-setup.exe"
!endif

!define PRODUCT "Xã Số"
!define REGKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\XaSo"
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
; Raft and peer traffic between the commune's PCs (DESIGN.md §8).
!define PEER_PORT 8421

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\XaSo"
InstallDirRegKey HKLM "${REGKEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${PRODUCT} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT} — bộ cài đặt"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${PRODUCT}"

!include "MUI2.nsh"
!include "x64.nsh"
!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\xaso.exe"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

LangString NoWebView ${LANG_VIETNAMESE} "Máy này chưa có Microsoft Edge WebView2 Runtime, cần để mở cửa sổ Xã Số. Hãy nhờ cán bộ CNTT của tỉnh cài bản ngoại tuyến. Trong lúc chờ, có thể dùng trình duyệt qua một máy khác của xã."
LangString NoWebView ${LANG_ENGLISH} "This PC lacks the Microsoft Edge WebView2 Runtime that the Xã Số window needs. Ask provincial IT for the offline installer. Meanwhile, use a browser through another PC of the commune."
LangString Need64 ${LANG_VIETNAMESE} "Xã Số cần Windows 64 bit."
LangString Need64 ${LANG_ENGLISH} "Xã Số needs 64-bit Windows."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "$(Need64)"
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Section "Xã Số" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; A running copy keeps xaso.exe locked: ask it to close first.
  nsExec::Exec 'taskkill /IM xaso.exe'
  Sleep 1000
  File "/oname=xaso.exe" "${BINARY}"
  File "/oname=xaso.ico" "..\icon.ico"

  ; WebView2: present on Windows 10/11; Windows 7/8 needs the runtime.
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $0 == ""
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    !ifdef WEBVIEW2_INSTALLER
      File "/oname=$PLUGINSDIR\webview2-setup.exe" "${WEBVIEW2_INSTALLER}"
      ExecWait '"$PLUGINSDIR\webview2-setup.exe" /silent /install'
    !else
      MessageBox MB_ICONEXCLAMATION "$(NoWebView)"
    !endif
  ${EndIf}

  ; Let the commune's other PCs reach this one (private and domain networks only).
  nsExec::Exec 'netsh advfirewall firewall delete rule name="Xa So (LAN)"'
  nsExec::Exec 'netsh advfirewall firewall add rule name="Xa So (LAN)" dir=in action=allow program="$INSTDIR\xaso.exe" protocol=TCP localport=${PEER_PORT} profile=private,domain'
  nsExec::Exec 'netsh advfirewall firewall add rule name="Xa So (LAN)" dir=in action=allow program="$INSTDIR\xaso.exe" protocol=UDP localport=5353 profile=private,domain'

  SetShellVarContext all
  CreateShortcut "$DESKTOP\${PRODUCT}.lnk" "$INSTDIR\xaso.exe" "" "$INSTDIR\xaso.ico"
  CreateDirectory "$SMPROGRAMS\${PRODUCT}"
  CreateShortcut "$SMPROGRAMS\${PRODUCT}\${PRODUCT}.lnk" "$INSTDIR\xaso.exe" "" "$INSTDIR\xaso.ico"
  CreateShortcut "$SMPROGRAMS\${PRODUCT}\Gỡ cài đặt ${PRODUCT}.lnk" "$INSTDIR\uninstall.exe"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${REGKEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${REGKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${REGKEY}" "Publisher" "${PRODUCT}"
  WriteRegStr HKLM "${REGKEY}" "DisplayIcon" "$INSTDIR\xaso.ico"
  WriteRegStr HKLM "${REGKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${REGKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${REGKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${REGKEY}" "NoRepair" 1
SectionEnd

; Uninstalling removes the program, never the commune's data (kept in the
; user's profile, %APPDATA%\xaso): records outlive the software.
Section "Uninstall"
  SetRegView 64
  nsExec::Exec 'taskkill /IM xaso.exe'
  Sleep 1000
  nsExec::Exec 'netsh advfirewall firewall delete rule name="Xa So (LAN)"'
  SetShellVarContext all
  Delete "$DESKTOP\${PRODUCT}.lnk"
  RMDir /r "$SMPROGRAMS\${PRODUCT}"
  Delete "$INSTDIR\xaso.exe"
  Delete "$INSTDIR\xaso.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${REGKEY}"
SectionEnd
