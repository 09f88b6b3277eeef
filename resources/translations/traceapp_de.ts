<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Lots</name>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="108"/>
        <source>Scan or type a lot, container, part or product…</source>
        <translation>Charge, Behälter, Teil oder Produkt scannen oder eintippen…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="111"/>
        <source>Search lots</source>
        <translation>Chargen suchen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="116"/>
        <location filename="../../traceapp/ui/lots_page.py" line="275"/>
        <source>All products</source>
        <translation>Alle Produkte</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="117"/>
        <location filename="../../traceapp/ui/lot_table.py" line="30"/>
        <source>Product</source>
        <translation>Produkt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="120"/>
        <source>All statuses</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="123"/>
        <location filename="../../traceapp/ui/lot_table.py" line="28"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="124"/>
        <source>Made between</source>
        <translation>Hergestellt zwischen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="161"/>
        <source>&amp;Record</source>
        <translation>&amp;Datenblatt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="162"/>
        <source>&amp;Genealogy</source>
        <translation>&amp;Stammbaum</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="168"/>
        <source>and</source>
        <translation>und</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="247"/>
        <source>Searching…</source>
        <translation>Suche läuft…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="260"/>
        <source>No lots shown.</source>
        <translation>Keine Chargen angezeigt.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="308"/>
        <source>Showing the first {shown} lots; more match. Narrow the search.</source>
        <translation>Die ersten {shown} Chargen; weitere passen. Suche eingrenzen.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="313"/>
        <source>1 lot shown</source>
        <translation>1 Charge angezeigt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="316"/>
        <source>{shown} lots shown</source>
        <translation>{shown} Chargen angezeigt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="321"/>
        <source>{status} on {parent}</source>
        <translation>{status} auf {parent}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="328"/>
        <source>{kind} {code} ({state}) holds the 1 lot below.</source>
        <translation>{kind} {code} ({state}) enthält die Charge unten.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="330"/>
        <source>{kind} {code} ({state}) holds the {shown} lots below.</source>
        <translation>{kind} {code} ({state}) enthält die {shown} Chargen unten.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lots_page.py" line="355"/>
        <source>No lot matches the search.
Check the code, or clear the filters (product, status, dates).</source>
        <translation>Keine Charge passt zur Suche.
Code prüfen oder die Filter leeren (Produkt, Status, Daten).</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="27"/>
        <source>Lot</source>
        <translation>Charge</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="29"/>
        <source>On hand</source>
        <translation>Bestand</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="31"/>
        <source>Expiry</source>
        <translation>MHD</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="32"/>
        <source>Supplier</source>
        <translation>Lieferant</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="36"/>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="37"/>
        <source>on hold</source>
        <translation>gesperrt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="38"/>
        <source>released</source>
        <translation>freigegeben</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="39"/>
        <source>rejected</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="40"/>
        <source>consumed</source>
        <translation>verbraucht</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="41"/>
        <source>shipped</source>
        <translation>versandt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="42"/>
        <source>recalled</source>
        <translation>zurückgerufen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/lot_table.py" line="43"/>
        <source>voided</source>
        <translation>storniert</translation>
    </message>
</context>
<context>
    <name>Navigation</name>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="86"/>
        <source>Scan station</source>
        <translation>Scanstation</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="87"/>
        <source>Lots &amp; genealogy</source>
        <translation>Chargen &amp; Herkunft</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="88"/>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="89"/>
        <source>Live monitor</source>
        <translation>Live-Monitor</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="90"/>
        <source>Recall &amp; reports</source>
        <translation>Rückruf &amp; Berichte</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="91"/>
        <source>Admin</source>
        <translation>Verwaltung</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="110"/>
        <source>Ctrl</source>
        <translation>Strg</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="111"/>
        <source>Shift</source>
        <translation>Umschalt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="228"/>
        <source>Lock</source>
        <translation>Sperren</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="232"/>
        <source>Sign out</source>
        <translation>Abmelden</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="637"/>
        <source>Dark theme</source>
        <translation>Dunkles Design</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/main_window.py" line="639"/>
        <source>Light theme</source>
        <translation>Helles Design</translation>
    </message>
</context>
<context>
    <name>ScanStation</name>
    <message>
        <location filename="../../traceapp/ui/scan_station/camera_view.py" line="32"/>
        <source>Camera preview</source>
        <translation>Kameravorschau</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/camera_view.py" line="70"/>
        <source>Waiting for the camera…</source>
        <translation>Warte auf die Kamera…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/feedback.py" line="29"/>
        <source>What to do: {hint}</source>
        <translation>Was tun: {hint}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/feedback.py" line="52"/>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/feedback.py" line="53"/>
        <location filename="../../traceapp/ui/scan_station/page.py" line="609"/>
        <source>Scan a label.</source>
        <translation>Etikett scannen.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="46"/>
        <source>case</source>
        <translation>Karton</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="47"/>
        <source>pallet</source>
        <translation>Palette</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="48"/>
        <source>tote</source>
        <translation>Transportbehälter</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="58"/>
        <source>The quantity of {what} is empty.</source>
        <translation>Die Menge von {what} fehlt.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="61"/>
        <source>Type it, e.g. 25 or 25 kg.</source>
        <translation>Geben Sie sie ein, z. B. 25 oder 25 kg.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="69"/>
        <source>Give the unit of {what}&apos;s quantity.</source>
        <translation>Geben Sie die Einheit der Menge von {what} an.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="72"/>
        <source>Write it as e.g. 25 kg.</source>
        <translation>Schreiben Sie sie z. B. als 25 kg.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="85"/>
        <source>{text} is not a date.</source>
        <translation>{text} ist kein Datum.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="88"/>
        <source>Write the expiry as YYYY-MM-DD, e.g. 2027-01-31.</source>
        <translation>Schreiben Sie das Mindesthaltbarkeitsdatum als JJJJ-MM-TT, z. B. 2027-01-31.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="155"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="330"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="459"/>
        <source>Quantity</source>
        <translation>Menge</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="158"/>
        <source>Delete takes the selected line out; type over a quantity to change it.</source>
        <translation>Entf nimmt die gewählte Zeile heraus; zum Ändern einer Menge einfach überschreiben.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="197"/>
        <source>whole</source>
        <translation>ganz</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="281"/>
        <source>{code} is a case or pallet; it has no place in {step}.</source>
        <translation>{code} ist ein Karton oder eine Palette und gehört nicht zu {step}.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="284"/>
        <source>Scan the lot&apos;s label, or choose the step for containers.</source>
        <translation>Scannen Sie das Chargenetikett oder wählen Sie den Schritt für Behälter.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="290"/>
        <source>{code} is a location; it has no place in {step}.</source>
        <translation>{code} ist ein Lagerort und gehört nicht zu {step}.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="293"/>
        <source>Scan a lot or case label; pick the location from its list.</source>
        <translation>Scannen Sie ein Chargen- oder Behälteretikett; wählen Sie den Ort aus seiner Liste.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="299"/>
        <source>Lot {code} is not in the plant.</source>
        <translation>Die Charge {code} ist nicht im Werk.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="302"/>
        <source>Receive it first, or check the label.</source>
        <translation>Buchen Sie zuerst den Wareneingang oder prüfen Sie das Etikett.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="308"/>
        <source>{lot} ({on_hand} on hand)</source>
        <translation>{lot} ({on_hand} Bestand)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="314"/>
        <source>Received</source>
        <translation>Wareneingang gebucht</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="318"/>
        <source>Choose the supplier</source>
        <translation>Lieferant wählen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="319"/>
        <source>Scan the product label</source>
        <translation>Produktetikett scannen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="321"/>
        <source>from the label (AI 10)</source>
        <translation>vom Etikett (AI 10)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="323"/>
        <source>e.g. 25 or 25 kg</source>
        <translation>z. B. 25 oder 25 kg</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="325"/>
        <source>YYYY-MM-DD (AI 17)</source>
        <translation>JJJJ-MM-TT (AI 17)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="326"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="682"/>
        <source>delivery note (optional)</source>
        <translation>Lieferschein (optional)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="327"/>
        <source>Supplier</source>
        <translation>Lieferant</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="328"/>
        <source>Product</source>
        <translation>Produkt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="329"/>
        <source>Supplier lot</source>
        <translation>Lieferantencharge</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="331"/>
        <source>Expiry</source>
        <translation>Mindesthaltbarkeit</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="332"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="685"/>
        <source>Document</source>
        <translation>Beleg</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="339"/>
        <source>e.g. 25 (in {unit})</source>
        <translation>z. B. 25 (Einheit {unit})</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="341"/>
        <source>e.g. 25 kg</source>
        <translation>z. B. 25 kg</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="356"/>
        <source>Lot {lot} is already in the plant.</source>
        <translation>Die Charge {lot} ist bereits im Werk.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="359"/>
        <source>A new delivery needs its own lot code; or choose another step.</source>
        <translation>Eine neue Lieferung braucht eine eigene Chargennummer – oder wählen Sie einen anderen Schritt.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="365"/>
        <source>Supplier lot {code}</source>
        <translation>Lieferantencharge {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="369"/>
        <source>a receipt</source>
        <translation>einem Wareneingang</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="375"/>
        <source>lot {lot}</source>
        <translation>Charge {lot}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="383"/>
        <source>expires {date}</source>
        <translation>MHD {date}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="387"/>
        <source>Label read: {parts}</source>
        <translation>Etikett gelesen: {parts}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="393"/>
        <source>Scan the product label (or choose the product).</source>
        <translation>Scannen Sie das Produktetikett (oder wählen Sie das Produkt).</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="397"/>
        <source>Choose the supplier.</source>
        <translation>Wählen Sie den Lieferanten.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="399"/>
        <source>Scan or type the supplier&apos;s lot.</source>
        <translation>Scannen oder tippen Sie die Lieferantencharge.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="403"/>
        <source>Type the quantity received.</source>
        <translation>Geben Sie die gelieferte Menge ein.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="428"/>
        <source>the supplier</source>
        <translation>dem Lieferanten</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="429"/>
        <source>{product} from {party}</source>
        <translation>{product} von {party}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="433"/>
        <source>, expires {date}</source>
        <translation>, MHD {date}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="436"/>
        <source>Received {lot} — {quantity}</source>
        <translation>Eingang gebucht: {lot} — {quantity}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="444"/>
        <source>Produced</source>
        <translation>Produktion gebucht</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="450"/>
        <source>Input lots (scan each)</source>
        <translation>Einsatzchargen (jede scannen)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="452"/>
        <source>Output product</source>
        <translation>Erzeugnis</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="453"/>
        <source>output lot code</source>
        <translation>Chargennummer des Erzeugnisses</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="454"/>
        <source>e.g. 58 or 58 kg</source>
        <translation>z. B. 58 oder 58 kg</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="455"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="460"/>
        <source>Equipment</source>
        <translation>Anlage</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="456"/>
        <source>Inputs</source>
        <translation>Einsatz</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="457"/>
        <source>Output</source>
        <translation>Erzeugnis</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="458"/>
        <source>Output lot</source>
        <translation>Neue Charge</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="471"/>
        <source>No equipment</source>
        <translation>Keine Anlage</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="478"/>
        <source>Input {lot}: {quantity} (edit if less goes in)</source>
        <translation>Einsatz {lot}: {quantity} (ändern, falls weniger eingesetzt wird)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="487"/>
        <source>Output {code}</source>
        <translation>Erzeugnis {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="495"/>
        <source>Equipment {code}</source>
        <translation>Anlage {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="498"/>
        <source>production</source>
        <translation>der Produktion</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="502"/>
        <source>Scan the input lots, then choose the output product.</source>
        <translation>Scannen Sie die Einsatzchargen und wählen Sie dann das Erzeugnis.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="506"/>
        <source>Type the output lot code.</source>
        <translation>Geben Sie die Chargennummer des Erzeugnisses ein.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="508"/>
        <source>Type the quantity produced.</source>
        <translation>Geben Sie die produzierte Menge ein.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="519"/>
        <source>Give the quantity of {code} that goes in.</source>
        <translation>Geben Sie die Einsatzmenge von {code} an.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="522"/>
        <source>e.g. 20 kg.</source>
        <translation>z. B. 20 kg.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="537"/>
        <source>from {inputs}</source>
        <translation>aus {inputs}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="541"/>
        <source>no inputs</source>
        <translation>ohne Einsatz</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="543"/>
        <source>Produced {outputs}</source>
        <translation>Produziert: {outputs}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="550"/>
        <source>Packed</source>
        <translation>Verpackt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="555"/>
        <source>scan the case or pallet label (SSCC)</source>
        <translation>Karton- oder Palettenetikett scannen (SSCC)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="557"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="566"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="563"/>
        <source>Items packed (scan each)</source>
        <translation>Verpackte Positionen (jede scannen)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="565"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="632"/>
        <source>Container</source>
        <translation>Behälter</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="567"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="633"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="683"/>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="741"/>
        <source>Items</source>
        <translation>Positionen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="577"/>
        <source> (new)</source>
        <translation> (neu)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="579"/>
        <source>Packing into {code}</source>
        <translation>Verpacken in {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="585"/>
        <source>Item {lot}: {quantity}</source>
        <translation>Position {lot}: {quantity}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="590"/>
        <source>Item {code} (whole)</source>
        <translation>Position {code} (ganz)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="593"/>
        <source>packing</source>
        <translation>dem Verpacken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="597"/>
        <source>Scan the case or pallet label.</source>
        <translation>Scannen Sie das Karton- oder Palettenetikett.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="601"/>
        <source>Scan what goes in.</source>
        <translation>Scannen Sie, was hineinkommt.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="614"/>
        <source>Packed into {parent}</source>
        <translation>Verpackt in {parent}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="621"/>
        <source>Unpacked</source>
        <translation>Ausgepackt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="626"/>
        <source>scan the case or pallet label</source>
        <translation>Karton- oder Palettenetikett scannen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="630"/>
        <source>Items to take out (none: all)</source>
        <translation>Herausnehmen (keine: alle)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="638"/>
        <source>Unpacking {code}</source>
        <translation>Auspacken: {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="643"/>
        <source>Take out {code}</source>
        <translation>Herausnehmen: {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="646"/>
        <source>unpacking</source>
        <translation>dem Auspacken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="650"/>
        <source>Scan the case or pallet to unpack.</source>
        <translation>Scannen Sie den Karton oder die Palette zum Auspacken.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="663"/>
        <source>took out {items}</source>
        <translation>herausgenommen: {items}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="666"/>
        <source>Unpacked {parent}</source>
        <translation>Ausgepackt: {parent}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="673"/>
        <source>Shipped</source>
        <translation>Versandt</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="679"/>
        <source>Pallets, cases or lots (scan each)</source>
        <translation>Paletten, Kartons oder Chargen (jede scannen)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="681"/>
        <source>Choose the customer</source>
        <translation>Kunden wählen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="684"/>
        <source>Customer</source>
        <translation>Kunde</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="695"/>
        <source>Ship {code} (whole)</source>
        <translation>Versand {code} (ganz)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="701"/>
        <source>Ship {lot}: {quantity}</source>
        <translation>Versand {lot}: {quantity}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="704"/>
        <source>a shipment</source>
        <translation>einem Versand</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="708"/>
        <source>Scan the pallets, cases or lots to ship.</source>
        <translation>Scannen Sie die Paletten, Kartons oder Chargen für den Versand.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="712"/>
        <source>Choose the customer.</source>
        <translation>Wählen Sie den Kunden.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="723"/>
        <source>Shipped to {party}</source>
        <translation>Versandt an {party}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="730"/>
        <source>Moved</source>
        <translation>Umgelagert</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="736"/>
        <source>Lots or containers (scan each)</source>
        <translation>Chargen oder Behälter (jede Position scannen)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="739"/>
        <source>Scan or choose the destination</source>
        <translation>Ziel scannen oder wählen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="742"/>
        <source>To</source>
        <translation>Nach</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="750"/>
        <source>To {code}</source>
        <translation>Nach {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="755"/>
        <source>Move {code}</source>
        <translation>Umlagern: {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="758"/>
        <source>a move</source>
        <translation>einer Umlagerung</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="762"/>
        <source>Scan the lots or containers to move.</source>
        <translation>Scannen Sie die Chargen oder Behälter zum Umlagern.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="766"/>
        <source>Scan or choose the destination.</source>
        <translation>Scannen oder wählen Sie das Ziel.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/forms.py" line="779"/>
        <source>Moved to {place}</source>
        <translation>Umgelagert nach {place}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="59"/>
        <source>&amp;Receive</source>
        <translation>&amp;Wareneingang</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="60"/>
        <source>&amp;Produce</source>
        <translation>&amp;Produktion</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="61"/>
        <source>Pac&amp;k</source>
        <translation>Verpac&amp;ken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="62"/>
        <source>&amp;Unpack</source>
        <translation>&amp;Auspacken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="63"/>
        <source>&amp;Ship</source>
        <translation>Ver&amp;sand</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="64"/>
        <source>&amp;Move</source>
        <translation>&amp;Umlagern</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="70"/>
        <source>Check the label, then try again; if it is refused again, ask a supervisor.</source>
        <translation>Prüfen Sie das Etikett und versuchen Sie es erneut; wird es wieder abgelehnt, fragen Sie einen Vorgesetzten.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="89"/>
        <source>Something went wrong: {name}</source>
        <translation>Etwas ist schiefgegangen: {name}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="92"/>
        <source>Nothing was confirmed. Try again; if it happens again, tell the administrator.</source>
        <translation>Nichts wurde gebucht. Versuchen Sie es noch einmal; passiert es wieder, sagen Sie es dem Administrator.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="171"/>
        <source>Scan a label, or type a code and press Enter</source>
        <translation>Etikett scannen oder Code eintippen und Enter drücken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="181"/>
        <source>Scan</source>
        <translation>Scannen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="196"/>
        <source>Confirm   F12</source>
        <translation>Buchen   F12</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="201"/>
        <source>Clear
Esc</source>
        <translation>Leeren
Esc</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="203"/>
        <source>Undo last
Ctrl+Z</source>
        <translation>Rückgängig
Strg+Z</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="225"/>
        <source>Undo the last step</source>
        <translation>Letzten Schritt rückgängig machen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="231"/>
        <source>Why? e.g. scanned the wrong lot — then press Enter</source>
        <translation>Warum? z. B. falsche Charge gescannt – dann Enter drücken</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="242"/>
        <source>Enter records the correction; Esc cancels.</source>
        <translation>Enter bucht die Korrektur; Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="406"/>
        <source>Signed out</source>
        <translation>Abgemeldet</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="407"/>
        <source>Sign in to scan.</source>
        <translation>Zum Scannen anmelden.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="461"/>
        <source>Press F12 or Enter to confirm.</source>
        <translation>Mit F12 oder Enter buchen.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="480"/>
        <source>Still needed: {text}</source>
        <translation>Es fehlt noch: {text}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="482"/>
        <source>Ready: press F12 or Enter.</source>
        <translation>Bereit: F12 oder Enter drücken.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="513"/>
        <source>The step is not complete.</source>
        <translation>Der Schritt ist nicht vollständig.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="527"/>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="540"/>
        <source>Already recorded; nothing new saved. {detail}</source>
        <translation>Bereits gebucht; nichts Neues gespeichert. {detail}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="557"/>
        <source>{done} — kept at this station</source>
        <translation>{done} — an dieser Station zwischengespeichert</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="565"/>
        <source>The server is out of reach: 1 step waits to be sent.</source>
        <translation>Der Server ist nicht erreichbar: 1 Schritt wartet auf das Senden.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="569"/>
        <source>The server is out of reach: {count} steps wait to be sent.</source>
        <translation>Der Server ist nicht erreichbar: {count} Schritte warten auf das Senden.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="602"/>
        <source>Undo cancelled</source>
        <translation>Rückgängig abgebrochen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="603"/>
        <source>Nothing was changed.</source>
        <translation>Nichts wurde geändert.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="608"/>
        <source>Cleared</source>
        <translation>Geleert</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="618"/>
        <source>There is no step to undo.</source>
        <translation>Es gibt keinen Schritt zum Rückgängigmachen.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="619"/>
        <source>Undo takes back the last step confirmed here since signing in.</source>
        <translation>Rückgängig nimmt den letzten Schritt zurück, der hier seit der Anmeldung gebucht wurde.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="628"/>
        <source>Undo “{step}”?</source>
        <translation>„{step}“ rückgängig machen?</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="644"/>
        <source>An undo needs a reason.</source>
        <translation>Rückgängig machen braucht einen Grund.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="645"/>
        <source>Say what was wrong, e.g. scanned the wrong lot.</source>
        <translation>Sagen Sie, was falsch war, z. B. falsche Charge gescannt.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="654"/>
        <source>Saving the correction…</source>
        <translation>Korrektur wird gespeichert…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="669"/>
        <source>Undone: {step}</source>
        <translation>Rückgängig gemacht: {step}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/scan_station/page.py" line="670"/>
        <source>Correction recorded — {reason}</source>
        <translation>Korrektur gebucht — {reason}</translation>
    </message>
</context>
<context>
    <name>StationPicker</name>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="71"/>
        <source>Station of this workstation</source>
        <translation>Station dieses Arbeitsplatzes</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="76"/>
        <source>Choose the station</source>
        <translation>Station wählen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="86"/>
        <source>Type or scan part of a station&apos;s code or name</source>
        <translation>Teil von Code oder Name einer Station eintippen oder scannen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="91"/>
        <source>Filter stations</source>
        <translation>Stationen filtern</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="96"/>
        <source>Stations</source>
        <translation>Stationen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="104"/>
        <source>Use this station</source>
        <translation>Diese Station nehmen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="108"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="144"/>
        <source>Now: {code}. Steps are recorded at the station chosen here.</source>
        <translation>Jetzt: {code}. Schritte werden an der hier gewählten Station gebucht.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="148"/>
        <source>Now: no station chosen. Steps are recorded at the station chosen here.</source>
        <translation>Jetzt: keine Station gewählt. Schritte werden an der hier gewählten Station gebucht.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="158"/>
        <source>Reading the stations…</source>
        <translation>Stationen werden gelesen…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="169"/>
        <source>This database has no stations yet. An administrator adds them: traceapp location add CODE --kind station --parent AREA, or a master data file.</source>
        <translation>Diese Datenbank hat noch keine Stationen. Ein Administrator legt sie an: traceapp location add CODE --kind station --parent AREA, oder mit einer Stammdatendatei.</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/station_picker.py" line="208"/>
        <source>No station matches {text}. Clear the field to see all.</source>
        <translation>Keine Station passt zu {text}. Feld leeren, um alle zu sehen.</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="18"/>
        <source>operator</source>
        <translation>Bediener</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="19"/>
        <source>supervisor</source>
        <translation>Schichtleiter</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="20"/>
        <source>quality manager</source>
        <translation>Qualitätsleiter</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="21"/>
        <source>auditor</source>
        <translation>Auditor</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="22"/>
        <source>admin</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="25"/>
        <source>keyboard</source>
        <translation>Tastatur</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="36"/>
        <source>OFFLINE — {pending} waiting</source>
        <translation>OFFLINE — {pending} wartend</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="40"/>
        <source>ONLINE — sending {pending}</source>
        <translation>ONLINE — sende {pending}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="44"/>
        <source>ONLINE</source>
        <translation>ONLINE</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="46"/>
        <source>Server: checking…</source>
        <translation>Server: wird geprüft…</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="48"/>
        <source> · {conflicts} to review</source>
        <translation> · {conflicts} zu prüfen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="80"/>
        <source>Choose this workstation&apos;s station (Ctrl+Shift+S)</source>
        <translation>Station dieses Arbeitsplatzes wählen (Strg+Umschalt+S)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="90"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="93"/>
        <source>Stop the work that is running (Esc in the status bar)</source>
        <translation>Laufende Arbeit abbrechen (Esc in der Statusleiste)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="108"/>
        <source>Steps kept at this station and the ones the server refused: review</source>
        <translation>Hier zwischengespeicherte und vom Server abgelehnte Schritte: prüfen</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="124"/>
        <source>shared</source>
        <translation>gemeinsam</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="126"/>
        <source>local</source>
        <translation>lokal</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="128"/>
        <source>Database: {kind} — {label}</source>
        <translation>Datenbank: {kind} — {label}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="148"/>
        <source>User: {user} ({role})</source>
        <translation>Benutzer: {user} ({role})</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="157"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="159"/>
        <source>Station: {code}</source>
        <translation>Station: {code}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="165"/>
        <source>User: nobody signed in</source>
        <translation>Benutzer: niemand angemeldet</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="169"/>
        <source>User: locked ({user})</source>
        <translation>Benutzer: gesperrt ({user})</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="177"/>
        <source>Scanner: {state}</source>
        <translation>Scanner: {state}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="193"/>
        <source>The server cannot be reached: {error}</source>
        <translation>Der Server ist nicht erreichbar: {error}</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="246"/>
        <source> (+{count} more)</source>
        <translation> (+{count} weitere)</translation>
    </message>
    <message>
        <location filename="../../traceapp/ui/status_bar.py" line="254"/>
        <source>{title}: cancelling…</source>
        <translation>{title}: wird abgebrochen…</translation>
    </message>
</context>
</TS>
