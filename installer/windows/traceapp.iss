; Inno Setup 6.3+ script: TraceApp-<version>-windows-x64-setup.exe from the PyInstaller folder.
;
; On a Windows build machine, from the repository root (Python 3.11 x64, Inno Setup 6.3+):
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -c constraints.txt -e ".[installer]"
;   .venv\Scripts\python installer\make_icons.py          (resources\icons\traceapp.svg -> .ico)
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\traceapp.spec
;   iscc /DAppVersion=0.1.0 installer\windows\traceapp.iss
; The version must be traceapp.__version__. Output: dist\TraceApp-<version>-windows-x64-setup.exe.
;
; dist\TraceApp holds TraceApp.exe (the window, no console) and traceapp-cli.exe (the command line,
; e.g. `traceapp-cli --version`, `traceapp-cli demo --out C:\demo`). Per-user data (the embedded
; database, settings) lives in %LOCALAPPDATA%\TraceApp and survives uninstalling and upgrades.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z installer\windows\traceapp.iss
#endif

[Setup]
; Never change AppId: upgrades and the uninstaller find an installed TraceApp by it.
AppId={{6F1C2A4E-7B3D-4E8A-9C51-2D7E0B9A4F63}
AppName=TraceApp
AppVersion={#AppVersion}
AppVerName=TraceApp {#AppVersion}
AppPublisher=TraceApp developers
DefaultDirName={autopf}\TraceApp
DefaultGroupName=TraceApp
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=TraceApp-{#AppVersion}-windows-x64-setup
SetupIconFile=traceapp.ico
UninstallDisplayIcon={app}\TraceApp.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running TraceApp holds its DLLs open: close it before files are replaced.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "german"; MessagesFile: "compiler:Languages\German.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Files of an older version must not linger among the new one's.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\TraceApp\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\TraceApp"; Filename: "{app}\TraceApp.exe"
Name: "{autodesktop}\TraceApp"; Filename: "{app}\TraceApp.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\TraceApp.exe"; Description: "{cm:LaunchProgram,TraceApp}"; Flags: nowait postinstall skipifsilent
