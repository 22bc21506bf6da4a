; Fieldline NSIS additions (electron-builder includes this file).
; IT can hand the machine-wide policy to a silent install:
;   Fieldline-Setup-1.2.3-x64.exe /S /POLICY=\\server\share\fieldline-policy.json
; It is copied to %ProgramData%\Fieldline\policy.json, where the app reads it.
!include "FileFunc.nsh"

!macro customInstall
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/POLICY=" $R1
  ${IfNot} ${Errors}
    SetShellVarContext all
    CreateDirectory "$APPDATA\Fieldline"
    CopyFiles /SILENT "$R1" "$APPDATA\Fieldline\policy.json"
  ${EndIf}
!macroend

; Uninstalling keeps the policy (IT's) and each user's data (%APPDATA%\Fieldline): reinstalling or
; upgrading finds both. Wiping a device is described in the README.
