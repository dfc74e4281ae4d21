# ruff: noqa: RUF001  (dotless i and other letters that look Latin are how these names are spelled)
"""Given and family names of many origins, with the transliteration variants that travel documents show.

Each entry is one name; `|` separates its spellings (the first is the most common romanisation). The lists are
curated from common-name tables of each region; they hold no real person.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class NameRegion:
    """Names of one cultural region, and the nationalities (with weights) that carry them."""

    name: str
    nationalities: tuple[tuple[str, int], ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


REGIONS: tuple[NameRegion, ...] = (
    NameRegion(
        "western_europe",
        (("DE", 8), ("FR", 7), ("GB", 8), ("NL", 3), ("BE", 2), ("CH", 2), ("AT", 2), ("IE", 1), ("LU", 1)),
        _split(
            "Thomas Lukas|Lucas Jan Pieter Jean-Pierre Pierre Louis Hugo Julien Oliver Jack Harry James William "
            "Maximilian Felix Daan Sem Matthias Stefan Niklas|Nicklas Benoît|Benoit François|Francois Jürgen|Juergen"
        ),
        _split(
            "Anna Marie|Maria Sophie|Sofie Léa|Lea Chloé|Chloe Camille Emma Olivia Amelia Isla Charlotte Hannah|Hanna "
            "Lotte Julia Sarah|Sara Claire Élodie|Elodie Mia Lena Anouk Zoë|Zoe Katrin|Catrin"
        ),
        _split(
            "Müller|Mueller|Muller Schmidt|Schmitt Schneider Fischer Weber Meyer|Meier|Maier Wagner Becker Hoffmann "
            "Martin Bernard Dubois Durand Lefèvre|Lefevre Moreau Laurent Smith Jones Williams Taylor Brown Davies "
            "Evans de_Jong|De_Jong Jansen de_Vries|De_Vries van_den_Berg Bakker Peeters Janssens Gruber Huber "
            "O'Brien|OBrien Murphy Kelly"
        ),
    ),
    NameRegion(
        "southern_europe",
        (("IT", 6), ("ES", 6), ("PT", 3), ("GR", 2), ("MT", 1), ("CY", 1)),
        _split(
            "Giuseppe Giovanni Marco Alessandro Francesco Luca Antonio José|Jose Javier Alejandro Manuel Pablo "
            "João|Joao Tiago Rui Georgios|Yiorgos|Giorgos Dimitrios|Dimitris Konstantinos|Constantinos Nikolaos|Nikos"
        ),
        _split(
            "Giulia Francesca Chiara Sofia María|Maria Lucía|Lucia Carmen Laura Ana Inês|Ines Beatriz Mariana "
            "Eleni|Helen Georgia Katerina|Aikaterini Paola"
        ),
        _split(
            "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci García|Garcia Fernández|Fernandez "
            "González|Gonzalez Rodríguez|Rodriguez López|Lopez Martínez|Martinez Sánchez|Sanchez Pérez|Perez "
            "Silva Santos Ferreira Pereira Oliveira Costa Papadopoulos Papadopoulou Georgiou Nikolaou|Nicolaou "
            "Borg Camilleri"
        ),
    ),
    NameRegion(
        "eastern_europe",
        (("PL", 4), ("RU", 6), ("UA", 4), ("RO", 3), ("CZ", 2), ("BG", 2), ("RS", 2), ("BY", 1), ("HU", 2), ("HR", 1)),
        _split(
            "Aleksandr|Alexander|Oleksandr|Aleksander Dmitry|Dmitri|Dmytro|Dmitrii Sergey|Sergei|Serhiy|Sergiy "
            "Andrey|Andrei|Andriy Mikhail|Mikhail|Mykhailo|Michal Ivan Nikolai|Nikolay|Mykola Piotr|Pyotr|Petr "
            "Jakub Tomasz Krzysztof Ion Mihai Andrei Ştefan|Stefan Jiří|Jiri Georgi Nikola|Nicola László|Laszlo "
            "Yevgeny|Evgeny|Yevhen"
        ),
        _split(
            "Yelena|Elena|Olena Natalia|Natalya|Nataliya Olga|Olha Tatiana|Tatyana|Tetiana Anastasia|Anastasiya "
            "Yekaterina|Ekaterina|Kateryna Irina|Iryna Agnieszka Katarzyna Małgorzata|Malgorzata Ioana Andreea "
            "Petra Eva Milica Zsófia|Zsofia Svetlana|Svitlana Yulia|Julia|Yuliya"
        ),
        _split(
            "Ivanov|Ivanoff Ivanova Smirnov Kuznetsov|Kuznetsoff Popov Sokolov Petrenko Shevchenko|Schewtschenko "
            "Kovalenko|Kowalenko Bondarenko Kravchenko Nowak Kowalski|Kovalski Wiśniewski|Wisniewski "
            "Wójcik|Wojcik Popescu Ionescu Popa Novák|Novak Dvořák|Dvorak Petrov|Petroff Georgiev Jovanović|Jovanovic "
            "Nagy Horváth|Horvath Volkov Morozov Lebedev"
        ),
    ),
    NameRegion(
        "arabic",
        (
            ("EG", 5),
            ("SA", 4),
            ("AE", 2),
            ("JO", 2),
            ("LB", 2),
            ("MA", 4),
            ("DZ", 3),
            ("TN", 2),
            ("IQ", 3),
            ("SY", 2),
            ("QA", 1),
            ("KW", 1),
            ("OM", 1),
            ("YE", 1),
            ("LY", 1),
            ("SD", 2),
        ),
        _split(
            "Mohammed|Muhammad|Mohamed|Mohammad|Mohamad Ahmed|Ahmad|Ahmet Ali Omar|Umar|Omer Abdullah|Abdallah "
            "Abdulrahman|Abdel_Rahman|Abderrahmane Youssef|Yousef|Yusuf|Youcef Hassan|Hasan Hussein|Hussain|Husayn "
            "Khalid|Khaled Ibrahim|Ibraheem Mustafa|Mostafa|Moustafa Tariq|Tarek|Tarik Karim|Kareem Said|Saeed|Sayed "
            "Hamza|Hamzah Rachid|Rashid|Rasheed"
        ),
        _split(
            "Fatima|Fatma|Fatimah Aisha|Aicha|Ayesha Mariam|Maryam|Meriem Nour|Noor|Nur Layla|Leila|Laila "
            "Zainab|Zaynab|Zeinab Amina|Aminah Khadija|Khadijah|Khadidja Salma Hana|Hanaa Yasmin|Yasmine|Jasmin "
            "Rania Sara|Sarah Huda|Houda Samira|Sameera"
        ),
        _split(
            "Al-Sayed|El-Sayed|Elsayed Al-Masri|El-Masry Haddad Khoury|Khouri|Al-Khoury Hassan Abdullah Ibrahim "
            "Mansour|Mansur Al-Farsi|Alfarsi Al-Otaibi|Alotaibi Al-Qahtani|Alqahtani Benali|Ben_Ali Bouazizi "
            "Belkacem Saleh|Salih Nasser|Nasir Aziz|Abdelaziz Hamdan Al-Amin|El-Amin Qureshi|Koreishi Taha "
            "Al-Hashimi|Al-Hashemi Shalabi|Chalabi Darwish|Darwich Suleiman|Sulaiman|Soliman"
        ),
    ),
    NameRegion(
        "iranian_turkic",
        (("TR", 6), ("IR", 4), ("AZ", 2), ("AF", 2), ("UZ", 2), ("KZ", 1), ("TJ", 1)),
        _split(
            "Mehmet|Mehmed Mustafa Ahmet|Ahmad Emre Burak Murat Reza|Riza Ali Hossein|Hosein|Huseyin|Hüseyin "
            "Mohammad|Mohammed|Muhammed Amir|Emir Farhad|Ferhad Dariush|Daryoush Rustam|Rustem|Rostam Timur|Temur "
            "Elchin Nurlan Jamshid|Jamshed|Cemşid"
        ),
        _split(
            "Ayşe|Ayse|Aisha Elif Zeynep|Zeinab Fatma|Fatemeh|Fatima Maryam|Meryem|Mariam Zahra|Zehra Leyla|Layla "
            "Shirin|Şirin Parisa Nargiz|Nargis|Nergiz Dilnoza Aigerim|Aygerim Gulnara|Gulnora|Gülnar"
        ),
        _split(
            "Yılmaz|Yilmaz Kaya Demir Şahin|Sahin Çelik|Celik Yıldız|Yildiz Öztürk|Ozturk Aydın|Aydin "
            "Hosseini|Hoseini|Husseini Mohammadi|Mohamadi Rezaei|Rezai Karimi|Kerimi Ahmadi|Ahmedi "
            "Jafari|Jafary|Cafari Mammadov|Mamedov|Mammadow Aliyev|Aliev|Alijev Karimov|Karimow "
            "Nazarov Rahimi|Rahimy Safarov"
        ),
    ),
    NameRegion(
        "south_asian",
        (("IN", 10), ("PK", 4), ("BD", 3), ("LK", 1), ("NP", 1)),
        _split(
            "Rahul Amit Raj Arjun Vikram|Vikrum Sanjay|Sanjai Ravi Suresh|Sureish Muhammad|Mohammed|Mohammad "
            "Imran Abdul Rahim|Raheem Arif|Aarif Kamal|Kamaal Anil Deepak Rajesh|Rajeish Pradeep|Pradip Sandeep|Sandip"
        ),
        _split(
            "Priya Anjali Pooja|Puja Neha Sunita Lakshmi|Laxmi Deepa|Dipa Kavita|Kavitha Ayesha|Aisha Fatima "
            "Nusrat Farzana Sabina|Shabina Shreya Divya"
        ),
        _split(
            "Sharma Kumar Singh Patel Gupta Reddy|Reddi Rao Iyer|Aiyar Nair Das Khan Ahmed Hussain|Hossain "
            "Chowdhury|Choudhury|Chaudhry|Chaudhary Rahman|Rehman Islam Akhtar|Akhter Mukherjee|Mukherji Banerjee "
            "Perera Fernando Shrestha Joshi Malik Qureshi|Kureshi"
        ),
    ),
    NameRegion(
        "east_asian",
        (("CN", 12), ("JP", 4), ("KR", 4), ("TW", 2), ("HK", 1), ("MN", 1)),
        _split(
            "Wei Jun|Chun Hao Lei Jian|Chien Ming Tao Yong Zhiwei|Chih-Wei Haruto Hiroshi Takumi|Takoumi Kenji "
            "Min-jun|Minjun Ji-hoon|Jihoon Seo-jun|Seojun Hyun-woo|Hyunwoo Batbayar Ka_Wai|Kawai"
        ),
        _split(
            "Fang Li|Lee Na Xiu_Ying|Xiuying Jing|Ching Yan|Yen Mei Yui Sakura Yuki Haruka Aoi Seo-yeon|Seoyeon "
            "Ji-woo|Jiwoo Min-seo|Minseo Su-bin|Subin Oyunchimeg Wing_Yan"
        ),
        _split(
            "Wang|Wong Li|Lee|Lie Zhang|Chang|Cheung Liu|Lau|Lou Chen|Chan|Chin Yang|Yeung Huang|Wong|Hwang "
            "Zhao|Chao|Chiu Wu|Ng|Woo Zhou|Chou|Chow Sato|Satou Suzuki Takahashi Tanaka Watanabe Ito|Itou "
            "Kim|Gim Lee|Yi|Rhee Park|Pak|Bak Choi|Choe Jung|Chung|Jeong Bat-Erdene"
        ),
    ),
    NameRegion(
        "southeast_asian",
        (("VN", 4), ("PH", 4), ("ID", 5), ("TH", 3), ("MY", 3), ("SG", 1), ("MM", 1), ("KH", 1)),
        _split(
            "Minh Anh|Ahn Duc|Đức Huy Tuan|Tuấn Jose Juan Mark John_Paul Budi Agus Joko Eko Somchai Anan "
            "Ahmad|Ahmed Muhammad|Mohd Aung Kyaw Sokha"
        ),
        _split(
            "Linh Lan Huong|Hương Mai Maria Angelica Kristine|Christine Siti Dewi Sri Putri Nurul Malee "
            "Siriporn Nur_Aisyah|Nur_Aishah Thida Sopheap"
        ),
        _split(
            "Nguyen|Nguyễn|Nguyen_Van Tran|Trần Le|Lê Pham|Phạm Hoang|Huynh|Hoàng Santos dela_Cruz|Dela_Cruz "
            "Reyes Garcia Bautista Santoso Wijaya|Widjaja Hidayat Saputra Kusuma Suwannarat Srisuk Tan Lim Abdullah "
            "Ibrahim Win Htun|Tun Chea|Chia"
        ),
    ),
    NameRegion(
        "sub_saharan_africa",
        (
            ("NG", 6),
            ("GH", 2),
            ("KE", 2),
            ("ET", 2),
            ("ZA", 2),
            ("SN", 1),
            ("CM", 1),
            ("CI", 1),
            ("TZ", 1),
            ("UG", 1),
            ("CD", 1),
            ("SO", 1),
        ),
        _split(
            "Chukwuemeka|Chukwuma Oluwaseun|Seun Adebayo|Adebayu Kwame Kofi Kwabena Tendai Sipho Thabo Jomo "
            "Abebe Tesfaye Mamadou|Mamadu Ousmane|Usman|Othman Moussa|Musa Ibrahima Emmanuel Samuel Abdirahman "
            "Jean-Baptiste"
        ),
        _split(
            "Chiamaka Ngozi Oluwakemi|Kemi Adaeze Abena Akosua|Akosuwa Ama Wanjiru Achieng Nomvula Thandiwe|Thandi "
            "Aminata|Aminatou Fatoumata|Fatou Mariam|Maryam Grace Blessing Hodan"
        ),
        _split(
            "Okafor Okonkwo Adeyemi|Adeyemy Okeke Mensah Boateng|Boatemaa Owusu Kamau Otieno|Otiyeno Mwangi "
            "Nkosi Dlamini Diallo|Jallow Traoré|Traore Diop Ndiaye|N'Diaye Keita Ouédraogo|Ouedraogo Bekele "
            "Tadesse Haile Mohamed|Mohammed Abdi Hassan Mutombo"
        ),
    ),
    NameRegion(
        "latin_america",
        (
            ("MX", 6),
            ("BR", 8),
            ("CO", 3),
            ("AR", 3),
            ("PE", 2),
            ("CL", 2),
            ("VE", 2),
            ("EC", 1),
            ("CU", 1),
            ("DO", 1),
            ("GT", 1),
            ("BO", 1),
        ),
        _split(
            "José|Jose Juan Luis Carlos Jorge|George Miguel Ángel|Angel Diego Santiago Mateo Sebastián|Sebastian "
            "João|Joao Gabriel Lucas Rafael Pedro Francisco Alejandro Andrés|Andres Fernando Ricardo Eduardo"
        ),
        _split(
            "María|Maria Guadalupe Sofía|Sofia Valentina Camila Isabella Daniela Ana Fernanda Gabriela Mariana "
            "Juliana Larissa|Larisa Luciana Paula Alejandra Ximena|Jimena"
        ),
        _split(
            "García|Garcia Hernández|Hernandez Martínez|Martinez López|Lopez González|Gonzalez Rodríguez|Rodriguez "
            "Pérez|Perez Sánchez|Sanchez Ramírez|Ramirez Torres Flores Rivera Gómez|Gomez Díaz|Diaz Silva Santos "
            "Souza|Sousa Oliveira|Olivera Lima Pereira Costa Rojas Morales Vargas Castillo Jiménez|Jimenez "
            "Gutiérrez|Gutierrez Muñoz|Munoz"
        ),
    ),
    NameRegion(
        "north_america_oceania",
        (("US", 12), ("CA", 4), ("AU", 3), ("NZ", 1)),
        _split(
            "Michael James John Robert David William Daniel Matthew Christopher|Kristopher Joshua Ethan Noah Liam "
            "Jacob Tyler Brandon Jayden|Jaden|Jaiden"
        ),
        _split(
            "Jennifer Jessica Ashley Emily Madison Olivia Emma Ava Abigail Samantha Megan|Meghan Lauren Kaitlyn|"
            "Caitlin|Katelyn Brittany|Britney Chloe Mackenzie|McKenzie"
        ),
        _split(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Thomas Taylor Moore Jackson White "
            "Harris Thompson Martin Tremblay Roy Gagnon Nguyen Kim Patel O'Connor|OConnor McDonald|MacDonald"
        ),
    ),
)


def spellings(entry: str) -> tuple[str, ...]:
    """The spellings of one name entry (`Müller|Mueller|Muller`); `_` stands for a space inside a name."""
    return tuple(part.replace("_", " ") for part in entry.split("|"))
